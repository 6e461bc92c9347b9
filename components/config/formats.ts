// Value formats that another system parses later (the Kubernetes API, the container runtime): checked
// here so a bad value is refused before anything exists, not at the workload's apply after the deploy.

/**
 * A Kubernetes resource quantity, as k8s.io/apimachinery pkg/api/resource/quantity.go documents its
 * serialization format: `<signedNumber><suffix>`, the number `<digits>`, `<digits>.<digits>`,
 * `<digits>.` or `.<digits>` with an optional sign, the suffix a binary SI one (Ki, Mi, Gi, Ti, Pi,
 * Ei), a decimal exponent (`e` or `E` and a signed whole number: parseQuantityString's suffix
 * loop takes only digits after the sign, and suffix.go's interpret reads them with strconv.ParseInt,
 * so `1e1.5` is refused) or a decimal SI one (n, u, m, none, k, M, G, T, P, E; ParseQuantity's
 * suffixer also reads n and u).
 */
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$/;

/** Why `text` is not a positive Kubernetes quantity (a CPU or memory request), or undefined. */
export function quantityProblem(text: string, example: string): string | undefined {
    const match = QUANTITY.exec(text);
    if (!match) return `must be a Kubernetes quantity such as ${example} (a number, then a suffix such as m, Mi or Gi)`;
    if (match[1] === "-" || Number(match[2]) === 0) return `must be more than zero, e.g. ${example}`;
    return undefined;
}

/**
 * A container image reference, as distribution/reference (the parser containerd and the kubelet
 * use) defines it in reference.go's grammar and regexp.go: `[domain/]path[:tag][@digest]`, path
 * components of lower-case letters and digits joined by `.`, `_`, `__` or dashes, a domain of
 * DNS labels (or a bracketed IPv6 address) with an optional port, a tag of up to 128 word
 * characters, dots and dashes, and a digest `algorithm:hex`; the name at most 255 characters
 * (NameTotalLengthMax). Parse then hands the digest to go-digest's Parse, whose Validate takes only
 * the algorithms it knows, each with its length of lower-case hex (algorithm.go,
 * anchoredEncodedRegexps): DIGEST_HEX_LENGTH.
 */
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const IMAGE_REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@(${DIGEST}))?$`);
const NAME_MAX_CHARS = 255;
const DIGEST_HEX_LENGTH: ReadonlyMap<string, number> = new Map([
    ["sha256", 64],
    ["sha384", 96],
    ["sha512", 128],
]);

/** Why a digest the grammar reads is one go-digest's Validate refuses, or undefined. */
function digestProblem(digest: string): string | undefined {
    const colon = digest.indexOf(":");
    const algorithm = digest.slice(0, colon);
    const hex = digest.slice(colon + 1);
    const length = DIGEST_HEX_LENGTH.get(algorithm);
    if (length === undefined) {
        return `has a digest of algorithm "${algorithm.slice(0, 20)}", which the container runtime does not know: use sha256, sha384 or sha512`;
    }
    if (hex.length !== length || !/^[0-9a-f]+$/.test(hex)) {
        return `has a ${algorithm} digest of ${hex.length} characters: a ${algorithm} digest is exactly ${length} lower-case hex digits`;
    }
    return undefined;
}

/** Why `text` is not a container image reference, or undefined. */
export function imageReferenceProblem(text: string): string | undefined {
    const match = IMAGE_REFERENCE.exec(text);
    if (!match) {
        return "must be a container image reference such as ghcr.io/canonical/cdk/diverdane/nginxdualstack:1.0.0 ([registry/]path[:tag][@digest]; lower-case path, no spaces)";
    }
    if (match[1].length > NAME_MAX_CHARS) return `has a name longer than ${NAME_MAX_CHARS} characters, which image references cannot have`;
    return match[2] === undefined ? undefined : digestProblem(match[2]);
}
