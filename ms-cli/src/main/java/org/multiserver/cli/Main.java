package org.multiserver.cli;

import java.io.PrintWriter;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.core.DialException;
import org.multiserver.core.Failures;
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
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        } else {
            if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
            }
            // What a server says it does (its key file, what it bound, its shutdown) is for the operator: shown
            // without --verbose, as short lines; --verbose adds the thread and the logger's name to every line.
            if (System.getProperty("org.slf4j.simpleLogger.log." + ServeCommand.LOG_NAME) == null) {
                System.setProperty("org.slf4j.simpleLogger.log." + ServeCommand.LOG_NAME, "info");
            }
            System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
            System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
        cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            Throwable cause = Failures.unwrap(error);
            err.println("multiserver: " + oneLine(cause));
            if (main.verbose) {
                cause.printStackTrace(err);
            }
            err.flush();
            return exitCode(cause);
        });
        cli.setParameterExceptionHandler((error, args1) -> {
            PrintWriter err = error.getCommandLine().getErr();
            err.println("multiserver: " + usageMessage(error));
            err.println(tryHelp(error.getCommandLine()));
            err.flush();
            return USAGE;
        });
        return cli.execute(args);
    }

    /**
     * The hint after a usage error, naming the command as typed: {@code multiserver bench handshakes --help}, and
     * {@code multiserver --help} for the top level.
     */
    static String tryHelp(CommandLine command) {
        return "Try '" + command.getCommandSpec().qualifiedName() + " --help'.";
    }

    /**
     * picocli's message, except for unknown options: only the arguments that look like options are named (the value
     * after a misspelt option is not an option of its own), with the options they may have meant.
     */
    static String usageMessage(CommandLine.ParameterException error) {
        if (error instanceof CommandLine.UnmatchedArgumentException unmatched && unmatched.isUnknownOption()) {
            java.util.List<String> options = unmatched.getUnmatched().stream().filter(a -> a.startsWith("-"))
                    .map(a -> a.contains("=") ? a.substring(0, a.indexOf('=')) : a).distinct().toList();
            if (!options.isEmpty()) {
                String named = options.stream().map(o -> "'" + o + "'").collect(java.util.stream.Collectors
                        .joining(", "));
                java.util.List<String> suggestions = unmatched.getSuggestions();
                return "unknown option" + (options.size() > 1 ? "s " : " ") + named
                        + (suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions) + "?)");
            }
        }
        if (error instanceof CommandLine.UnmatchedArgumentException unmatched) {
            java.util.List<String> suggestions = unmatched.getSuggestions();
            String named = unmatched.getUnmatched().stream().map(a -> "'" + a + "'")
                    .collect(java.util.stream.Collectors.joining(", "));
            return "unexpected argument" + (unmatched.getUnmatched().size() > 1 ? "s " : " ") + named
                    + (suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions) + "?)");
        }
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        return message.replace("option option ", "option ").replace('\n', ' ');
    }

    /**
     * 2 for what the user typed (an address or an argument), 1 for what happened. A failed connect is a usage
     * error when no alternative got as far as being dialled: each was malformed for its plugin or had none.
     */
    static int exitCode(Throwable cause) {
        if (cause instanceof AddressSyntaxException || cause instanceof IllegalArgumentException) {
            return USAGE;
        }
        if (cause instanceof DialException connect && !connect.attempts().isEmpty()
                && connect.attempts().stream().allMatch(a -> a.skipped()
                        || a.cause() instanceof AddressSyntaxException)) {
            return USAGE;
        }
        return FAILED;
    }

    /** The message of an error on one line; address errors keep their caret lines, which point at the column. */
    static String oneLine(Throwable error) {
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        return error instanceof AddressSyntaxException || error instanceof DialException
                ? message : message.replace('\n', ' ');
    }
}
