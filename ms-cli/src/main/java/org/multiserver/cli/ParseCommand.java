package org.multiserver.cli;

import java.util.concurrent.Callable;
import org.multiserver.address.Address;
import org.multiserver.address.MultiAddress;
import org.multiserver.address.Section;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code multiserver parse ADDRESS}: shows the alternatives and sections, or where the address is wrong. */
@Command(name = "parse", description = "Show the alternatives and sections of an address; exit 2 on a syntax error.")
final class ParseCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ADDRESS", description = "A multiserver address.")
    String address;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        MultiAddress parsed = MultiAddress.parse(address);
        var out = spec.commandLine().getOut();
        int n = 1;
        for (Address alternative : parsed.alternatives()) {
            out.println("alternative " + n++ + ": " + alternative);
            for (Section section : alternative.sections()) {
                out.print("  " + section.name());
                for (String item : section.data()) {
                    out.print("  [" + item + "]");
                }
                out.println();
            }
        }
        out.println("canonical: " + parsed);
        out.flush();
        return Main.OK;
    }
}
