// pulumi-language-nodejs, the offline stand-in written for ck-dualstack.
//
// The Go module proxy does not serve Pulumi's own Node.js language host
// (sdk/nodejs/cmd/pulumi-language-nodejs), so scripts/toolchain.sh builds this one beside a
// Pulumi CLI it builds itself. It is the smallest LanguageRuntime gRPC service the engine
// needs to run a Node.js program for preview, up, refresh and destroy; with Pulumi's installer
// the real host is used instead.
//
// Facts it relies on (Pulumi v3.248.0, read in sdk/go/common/resource/plugin and in the
// @pulumi/pulumi npm package, not copied):
//   - The engine starts a language plugin as `<bin> [-v=N] [--logtostderr] [--tracing URL]
//     <engine address>` in the project's folder (plugin.go buildPluginArguments,
//     langruntime_plugin.go buildArgsForNewPlugin: the engine address comes last) and reads
//     one line from its stdout: the port of the gRPC server on 127.0.0.1. Everything the host
//     writes to stdout or stderr afterwards is shown to the user.
//   - For preview/up/refresh/destroy it calls GetPluginInfo, GetRequiredPackages (falling back
//     to GetRequiredPlugins only on Unimplemented), Run, and, from a second host started for
//     the update's metadata, About (errors tolerated). Handshake is only used when attaching
//     to a running host; Cancel may be Unimplemented.
//   - @pulumi/pulumi/cmd/run takes --monitor, --engine, --organization, --project,
//     --root-directory, --stack, --pwd, --dry-run, --parallel, --tracing, then the program and
//     its arguments; config comes from PULUMI_CONFIG (a JSON object) and
//     PULUMI_CONFIG_SECRET_KEYS (a JSON array), TypeScript from PULUMI_NODEJS_TYPESCRIPT and
//     PULUMI_NODEJS_TSCONFIG_PATH. It exits with 32 after it has already shown the user an
//     actionable error (a RunError is shown without a stack trace): the host then answers
//     Bail so that the engine adds nothing to it.
//   - Runtime options in Pulumi.yaml (runtime.options): typescript (default true), tsconfig,
//     nodeargs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set at build time (-ldflags -X main.version=...) to the Pulumi version it serves.
var version = "3.0.0"

// exitAfterUserMessage is @pulumi/pulumi/cmd/run's exit code meaning "the user has been told".
const exitAfterUserMessage = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
}

func main() {
	h := &host{}
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--tracing" || arg == "-tracing":
			if i+1 < len(args) {
				h.tracing = args[i+1]
				i++
			}
		case strings.HasPrefix(arg, "--tracing=") || strings.HasPrefix(arg, "-tracing="):
			h.tracing = arg[strings.Index(arg, "=")+1:]
		case strings.HasPrefix(arg, "-"):
			// logging flags (-v=N, --logtostderr, --logflow): nothing to log here
		default:
			h.engineAddress = arg
		}
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: cannot listen: %v\n", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	pulumirpc.RegisterLanguageRuntimeServer(server, h)
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	if h.engineAddress != "" {
		go exitWithEngine(h.engineAddress)
	}
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

// engineGoneAfter is how long the engine's health service must keep failing before this host gives
// up on it: one slow answer on a loaded machine must not end a running update (upstream's host allows
// minutes, sdk/go/common/util/rpcutil/health.go); a killed engine fails every check.
const engineGoneAfter = time.Minute

// exitWithEngine stops this host, and the program it runs, once the engine stops answering its
// gRPC health service (a killed `pulumi up` must not leave a host and a program behind). The
// engine serves grpc.health.v1 beside its own services; Unimplemented still means alive.
func exitWithEngine(address string) {
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return
	}
	health := healthpb.NewHealthClient(conn)
	var failingSince time.Time
	for {
		time.Sleep(2 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil || status.Code(err) == codes.Unimplemented {
			failingSince = time.Time{}
			continue
		}
		if failingSince.IsZero() {
			failingSince = time.Now()
		}
		if time.Since(failingSince) >= engineGoneAfter {
			programs.killAll()
			fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: the engine at %s is gone (%v); exiting\n", address, err)
			os.Exit(1)
		}
	}
}

// running tracks the programs being run, to stop them when the engine is gone.
type running struct {
	sync.Mutex
	cmds map[*exec.Cmd]bool
}

var programs = &running{cmds: map[*exec.Cmd]bool{}}

func (r *running) add(cmd *exec.Cmd) {
	r.Lock()
	defer r.Unlock()
	r.cmds[cmd] = true
}

func (r *running) remove(cmd *exec.Cmd) {
	r.Lock()
	defer r.Unlock()
	delete(r.cmds, cmd)
}

func (r *running) killAll() {
	r.Lock()
	defer r.Unlock()
	for cmd := range r.cmds {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	}
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// options are Pulumi.yaml's runtime options for nodejs.
type options struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseOptions(info *pulumirpc.ProgramInfo) (options, error) {
	opts := options{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return opts, nil
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return opts, errors.New("the nodejs runtime option typescript must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("the nodejs runtime option tsconfig must be a string")
		}
		opts.tsconfig = s
	}
	if v, ok := m["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("the nodejs runtime option nodeargs must be a string")
		}
		opts.nodeargs = strings.Fields(s) // no shell quoting in this stand-in
	}
	return opts, nil
}

// resolveModule finds a module the way Node.js would from dir (node_modules here or above).
func resolveModule(dir, module string) (string, error) {
	cmd := exec.Command("node", "-e",
		"process.stdout.write(require.resolve(process.argv[1], { paths: [process.argv[2]] }))", module, dir)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot find %s from %s: is @pulumi/pulumi installed (npm ci)?", module, dir)
	}
	return string(out), nil
}

// Run runs the program: node <run script> <engine's arguments> <entry point>.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	entryPoint := info.GetEntryPoint()
	if entryPoint == "" {
		entryPoint = req.GetProgram()
	}
	if entryPoint == "" {
		entryPoint = "."
	}
	opts, err := parseOptions(info)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		if runPath, err = resolveModule(programDir, "@pulumi/pulumi/cmd/run"); err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", h.engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", info.GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	flag("tracing", h.tracing)
	args = append(args, entryPoint)
	args = append(args, req.GetArgs()...)

	// Config keys as "<namespace>:config:<name>", the form every @pulumi/pulumi reads.
	config := map[string]string{}
	for key, value := range req.GetConfig() {
		if namespace, name, ok := strings.Cut(key, ":"); ok && !strings.HasPrefix(name, "config:") {
			key = namespace + ":config:" + name
		}
		config[key] = value
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = programDir
	cmd.Env = env
	// Node.js may switch its stdio to non-blocking mode: give it pipes, not our descriptors.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 5 * time.Second
	if err = cmd.Start(); err == nil {
		programs.add(cmd)
		err = cmd.Wait()
		programs.remove(cmd)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitAfterUserMessage:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Node.js program: %v", err)}, nil
	}
}

// packageJSON is what this host reads from a package's package.json.
type packageJSON struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Dependencies map[string]string `json:"dependencies"`
	Pulumi       struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackage(file string) (packageJSON, error) {
	var pkg packageJSON
	b, err := os.ReadFile(file)
	if err == nil {
		err = json.Unmarshal(b, &pkg)
	}
	return pkg, err
}

// nodeModules lists the package.json files of every package under dir/node_modules, nested
// node_modules included.
func nodeModules(dir string) []string {
	var files []string
	var walk func(modules string)
	walk = func(modules string) {
		entries, err := os.ReadDir(modules)
		if err != nil {
			return
		}
		for _, entry := range entries {
			name := entry.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			path := filepath.Join(modules, name)
			if strings.HasPrefix(name, "@") {
				scoped, _ := os.ReadDir(path)
				for _, s := range scoped {
					files = append(files, filepath.Join(path, s.Name(), "package.json"))
					walk(filepath.Join(path, s.Name(), "node_modules"))
				}
				continue
			}
			files = append(files, filepath.Join(path, "package.json"))
			walk(filepath.Join(path, "node_modules"))
		}
	}
	walk(filepath.Join(dir, "node_modules"))
	return files
}

// resourcePackages are the installed packages that declare a resource plugin
// ("pulumi": {"resource": true}), as name and "v"-prefixed version.
func resourcePackages(dir string) []*pulumirpc.PackageDependency {
	seen := map[string]bool{}
	var deps []*pulumirpc.PackageDependency
	for _, file := range nodeModules(dir) {
		pkg, err := readPackage(file)
		if err != nil || !pkg.Pulumi.Resource {
			continue
		}
		name := pkg.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(pkg.Name, "@pulumi/"), "@")
		}
		v := pkg.Pulumi.Version
		if v == "" {
			v = pkg.Version
		}
		if v != "" && !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		if seen[name+"@"+v] {
			continue
		}
		seen[name+"@"+v] = true
		deps = append(deps, &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: v, Server: pkg.Pulumi.Server})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps
}

func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{Packages: resourcePackages(req.GetInfo().GetProgramDirectory())}, nil
}

func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var plugins []*pulumirpc.PluginDependency
	for _, p := range resourcePackages(req.GetInfo().GetProgramDirectory()) {
		plugins = append(plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not on PATH: %w", err)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: node, Version: strings.TrimPrefix(strings.TrimSpace(string(out)), "v")}, nil
}

// GetProgramDependencies lists the project's direct dependencies as installed.
func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	project, err := readPackage(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, fmt.Errorf("reading package.json: %w", err)
	}
	var deps []*pulumirpc.DependencyInfo
	for name := range project.Dependencies {
		pkg, err := readPackage(filepath.Join(dir, "node_modules", name, "package.json"))
		if err != nil {
			continue
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: pkg.Version})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
