import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./DynamicResource";
import { ResourceArgs } from "./lazyProvider";

/** The AuthorizedKey's arguments: the provider's inputs (providers/authorizedKey.ts AuthorizedKeyInputs), each may be an Output. */
export type AuthorizedKeyArgs = ResourceArgs<"authorizedKey">;

/** The operator's SSH public key in the Juju model, which Juju writes to every machine; a new key is rotated in place. */
export class AuthorizedKey extends DynamicResource {
    public readonly fingerprint!: pulumi.Output<string>;

    constructor(name: string, args: AuthorizedKeyArgs, opts?: pulumi.CustomResourceOptions) {
        super("authorizedKey", "juju", "AuthorizedKey", name, { ...args, fingerprint: undefined }, opts);
    }
}
