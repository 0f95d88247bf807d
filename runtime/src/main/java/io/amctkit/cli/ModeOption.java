package io.amctkit.cli;

import io.amctkit.dsl.Mode;
import picocli.CommandLine;

/** Converts {@code --mode quant|prune|compressed} for picocli, naming the choices on a typo. */
final class ModeOption implements CommandLine.ITypeConverter<Mode> {
    @Override
    public Mode convert(String value) {
        try {
            return Mode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
