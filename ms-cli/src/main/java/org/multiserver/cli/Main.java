package org.multiserver.cli;

import java.io.PrintWriter;
import org.multiserver.address.AddressSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code multiserver} command. Exit codes: 0 ok, 1 a connection or runtime failure, 2 a usage or address error.
 * Every error is one line on stderr; {@code --verbose} adds the stack trace.
 */
// scope INHERIT: every subcommand takes --help too (multiserver serve --help), as the usage errors suggest.
@Command(name = "multiserver", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        version = "multiserver 0.1.0",
        description = "One address, many protocols: serve and connect with multiserver addresses.",
        subcommands = {ServeCommand.class, ConnectCommand.class, KeysCommand.class, ParseCommand.class,
                BenchCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:connection or runtime failure", "2:usage or address error"})
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    @Option(names = "--verbose", description = "Print stack traces with errors, and debug logs.", scope =
            CommandLine.ScopeType.INHERIT)
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code, without exiting (for tests). */
    static int run(String... args) {
        if (java.util.Arrays.asList(args).contains("--verbose")) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        } else if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
        cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            Throwable cause = unwrap(error);
            err.println("multiserver: " + oneLine(cause));
            if (main.verbose) {
                cause.printStackTrace(err);
            }
            err.flush();
            return cause instanceof AddressSyntaxException || cause instanceof IllegalArgumentException
                    ? USAGE : FAILED;
        });
        cli.setParameterExceptionHandler((error, args1) -> {
            PrintWriter err = error.getCommandLine().getErr();
            err.println("multiserver: " + error.getMessage());
            err.println("Try 'multiserver " + error.getCommandLine().getCommandName() + " --help'.");
            err.flush();
            return USAGE;
        });
        return cli.execute(args);
    }

    static Throwable unwrap(Throwable error) {
        while ((error instanceof java.util.concurrent.CompletionException
                || error instanceof java.util.concurrent.ExecutionException
                || error instanceof java.io.UncheckedIOException) && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    /** The message of an error on one line; address errors keep their caret lines, which point at the column. */
    static String oneLine(Throwable error) {
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        return error instanceof AddressSyntaxException || error instanceof org.multiserver.core.ConnectException
                ? message : message.replace('\n', ' ');
    }
}
