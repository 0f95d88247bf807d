package io.amctkit.jupyter;

import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * JShell execution in this JVM that keeps the last value as an object (JShell itself only returns its string), so a
 * notebook can render it richly. One instance per evaluator.
 */
final class CapturingExecution implements ExecutionControlProvider {

    private Control control;

    @Override
    public String name() {
        return "amctkit-direct";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
        control = new Control();
        return control;
    }

    /** The value of the last snippet run (null for statements and declarations without value). */
    Object lastValue() {
        return control == null ? null : control.last;
    }

    void clear() {
        if (control != null) {
            control.last = null;
        }
    }

    private static final class Control extends DirectExecutionControl {
        private Object last;

        @Override
        protected String invoke(Method doitMethod) throws Exception {
            Object value = doitMethod.invoke(null);
            last = value;
            return valueString(value);
        }
    }
}
