package org.multiserver.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.multiserver.shs.ShsKeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code multiserver keys}: creates our identity when missing and prints our public key. */
@Command(name = "keys", description = "Create our identity if missing (owner-only file) and print our public key.")
final class KeysCommand implements Callable<Integer> {
    @Option(names = "--keys", paramLabel = "FILE", description = "Default: ~/.multiserver/secret")
    Path keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ShsKeyPair pair = SecretFile.loadOrCreate(keys != null ? keys : SecretFile.defaultPath());
        spec.commandLine().getOut().println(pair.publicKeyBase64());
        spec.commandLine().getOut().flush();
        return Main.OK;
    }
}
