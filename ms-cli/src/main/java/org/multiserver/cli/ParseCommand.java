package org.multiserver.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.multiserver.address.MultiAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code multiserver parse ADDRESS}: shows the alternatives and what the plugins read in each section, or where the
 * address is wrong: its syntax, or an item a plugin rejects (a port, a host, a key), at that item's column.
 */
@Command(name = "parse", description = {"Show the alternatives of an address and what the plugins read in each"
        + " section (net: a host and a port); exit 2 on a syntax error or an item a plugin rejects, with its column.",
        "An alternative no plugin here understands is shown as skipped: a client skips it too."})
final class ParseCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ADDRESS", description = "A multiserver address.")
    String address;

    @Mixin
    PluginOptions plugin;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MultiAddress parsed = MultiAddress.parse(address);
        List<AddressCheck.Reading> readings = new ArrayList<>();
        try (AddressCheck check = new AddressCheck(plugin.plugins(), plugin.textOptions())) {
            for (var alternative : parsed.alternatives()) {
                AddressCheck.Reading reading = check.read(alternative);
                if (reading.error() != null) {
                    throw reading.error();
                }
                readings.add(reading);
            }
        }
        var out = spec.commandLine().getOut();
        int n = 1;
        for (AddressCheck.Reading reading : readings) {
            out.println("alternative " + n++ + ": " + reading.alternative()
                    + (reading.skipped() != null ? "  (skipped: " + reading.skipped() + ")" : ""));
            if (reading.skipped() != null) {
                reading.alternative().sections().forEach(section -> out.println("  " + AddressCheck.items(section)));
            } else {
                reading.sections().forEach(section -> out.println("  " + section));
            }
        }
        out.println("canonical: " + parsed);
        out.flush();
        return Main.OK;
    }
}
