package io.amctkit.runtime.model.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every pickle opcode path that builds or calls an object, from hand-written pickles: each is refused with
 * {@link StateDictPickle.PickleException} naming the global or the opcode — never another exception, never a built
 * object — while the state_dict path itself still reads.
 */
class StateDictPickleTest {

    /** A pickle written opcode by opcode, protocol 2 header first. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            op(0x80).op(2);
        }

        Pickle op(int b) {
            out.write(b);
            return this;
        }

        Pickle text(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op(0x8c).op(b.length);
            out.writeBytes(b);
            return this;
        }

        Pickle line(String s) {
            out.writeBytes((s + "\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Pickle global(String module, String name) {
            return op('c').line(module).line(name);
        }

        Pickle int1(int v) {
            return op('K').op(v);
        }

        byte[] stop() {
            op('.');
            return out.toByteArray();
        }
    }

    static String refusal(byte[] pickle) {
        return assertThrows(StateDictPickle.PickleException.class, () -> StateDictPickle.load(pickle)).getMessage();
    }

    static Stream<Arguments> refusedOpcodes() {
        return Stream.of(
                Arguments.of("GLOBAL os.system", new Pickle().global("os", "system").text("ls").op(0x85).op('R').stop(), "'os.system'"),
                Arguments.of("GLOBAL builtins.eval", new Pickle().global("builtins", "eval").stop(), "'builtins.eval'"),
                Arguments.of("GLOBAL of a whitelisted module's other name", new Pickle().global("torch._utils", "_load_from_bytes").stop(),
                        "'torch._utils._load_from_bytes'"),
                Arguments.of("STACK_GLOBAL subprocess.Popen", new Pickle().text("subprocess").text("Popen").op(0x93).stop(),
                        "'subprocess.Popen'"),
                Arguments.of("STACK_GLOBAL builtins.getattr", new Pickle().text("builtins").text("getattr").op(0x93).stop(),
                        "'builtins.getattr'"),
                Arguments.of("REDUCE on a dict", new Pickle().op('}').op(')').op('R').stop(), "REDUCE on LinkedHashMap"),
                Arguments.of("REDUCE on a string", new Pickle().text("os.system").op(')').op('R').stop(), "REDUCE on String"),
                Arguments.of("REDUCE on a storage global", new Pickle().global("torch", "FloatStorage").op(')').op('R').stop(),
                        "torch.FloatStorage cannot be called"),
                Arguments.of("BUILD on a list", new Pickle().op(']').op('}').op('b').stop(), "BUILD on a ArrayList"),
                Arguments.of("BUILD on a global", new Pickle().global("collections", "OrderedDict").op('}').op('b').stop(),
                        "BUILD on a global collections.OrderedDict"),
                Arguments.of("INST", new Pickle().op('(').op('i').line("os").line("system").stop(), "INST (0x69)"),
                Arguments.of("OBJ", new Pickle().op('(').global("collections", "OrderedDict").op('o').stop(), "OBJ (0x6f)"),
                Arguments.of("NEWOBJ", new Pickle().global("collections", "OrderedDict").op(')').op(0x81).stop(), "NEWOBJ (0x81)"),
                Arguments.of("NEWOBJ_EX", new Pickle().global("collections", "OrderedDict").op(')').op('}').op(0x92).stop(),
                        "NEWOBJ_EX (0x92)"),
                Arguments.of("EXT1", new Pickle().op(0x82).op(1).stop(), "EXT1 (0x82)"),
                Arguments.of("EXT2", new Pickle().op(0x83).op(1).op(0).stop(), "EXT2 (0x83)"),
                Arguments.of("EXT4", new Pickle().op(0x84).op(1).op(0).op(0).op(0).stop(), "EXT4 (0x84)"),
                Arguments.of("PERSID (text persistent id)", new Pickle().op('P').line("storage").stop(), "PERSID (0x50)"),
                Arguments.of("BINPERSID of a string", new Pickle().text("storage").op('Q').stop(), "persistent id String"),
                Arguments.of("BINPERSID of a short tuple", new Pickle().text("storage").int1(1).op(0x86).op('Q').stop(),
                        "is not a storage reference"),
                Arguments.of("BINPERSID naming a non-storage", new Pickle().op('(').text("storage").text("os").text("0").text("cpu")
                        .int1(4).op('t').op('Q').stop(), "is not a storage reference"),
                Arguments.of("BINGET of an unstored entry", new Pickle().op('h').op(7).stop(), "memo entry 7"),
                Arguments.of("LONG_BINGET of an unstored entry", new Pickle().op('j').op(0).op(0).op(1).op(0).stop(), "memo entry 65536"),
                Arguments.of("APPEND to a tuple", new Pickle().op(')').int1(1).op('a').stop(), "APPEND on a tuple"),
                Arguments.of("APPENDS to a dict", new Pickle().op('}').op('(').int1(1).op('e').stop(), "APPENDS on a LinkedHashMap"),
                Arguments.of("SETITEM on a list", new Pickle().op(']').text("k").int1(1).op('s').stop(), "expected a dict"),
                Arguments.of("a list as a dict key", new Pickle().op('}').op(']').int1(1).op('s').stop(), "unhashable"),
                Arguments.of("a self-containing list as a dict key", new Pickle().op('}').op(']').op('2').op('2').op('a').op('s').stop(),
                        "unhashable"),
                Arguments.of("a list as a set member", new Pickle().op(0x8f).op('(').op(']').op(0x90).stop(), "unhashable"),
                Arguments.of("POP of a mark", new Pickle().op('(').op('0').stop(), "pops a mark"),
                Arguments.of("a string past the end", new Pickle().op('X').op(0xff).op(0xff).op(0xff).op(0x7f).stop(), "runs past the end"),
                Arguments.of("a negative string length", new Pickle().op('X').op(0xff).op(0xff).op(0xff).op(0xff).stop(), "runs past the end"),
                Arguments.of("cut inside a string", java.util.Arrays.copyOf(new Pickle().op('}').text("weight").stop(), 6),
                        "runs past the end"),
                Arguments.of("no STOP", java.util.Arrays.copyOf(new Pickle().op('}').stop(), 3), "truncated or corrupt"),
                Arguments.of("an unknown opcode", new Pickle().op(0xfe).stop(), "0xfe"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedOpcodes")
    void refusedBeforeAnythingIsBuiltNamingTheGlobalOrOpcode(String what, byte[] pickle, String named) {
        String message = refusal(pickle);
        assertTrue(message.contains(named), what + ": " + message);
    }

    @Test
    void aMemoThatGrowsWithoutBoundIsRefused() {
        Pickle p = new Pickle().op('}');
        for (int i = 0; i <= StateDictPickle.MAX_MEMO; i++) {
            p.op('r');
            p.op(i).op(i >>> 8).op(i >>> 16).op(i >>> 24);
        }
        assertTrue(refusal(p.stop()).contains("memo grows past"));
    }

    @Test
    void aStackThatGrowsWithoutBoundIsRefused() {
        Pickle p = new Pickle();
        for (int i = 0; i <= StateDictPickle.MAX_STACK; i++) {
            p.op('N');
        }
        assertTrue(refusal(p.stop()).contains("stack grows past"));
    }

    @Test
    void aStateDictStillReads() {
        // OrderedDict() with {'fc.weight': _rebuild_tensor_v2(storage('storage', FloatStorage, '0', 'cpu', 6), 0, (2, 3), (3, 1))}
        byte[] pickle = new Pickle().global("collections", "OrderedDict").op(')').op('R').op('q').op(0)
                .text("fc.weight")
                .global("torch._utils", "_rebuild_tensor_v2")
                .op('(').op('(').text("storage").global("torch", "FloatStorage").text("0").text("cpu").int1(6).op('t').op('Q')
                .int1(0).int1(2).int1(3).op(0x86).int1(3).int1(1).op(0x86).op(0x89).global("collections", "OrderedDict")
                .op(')').op('R').op('t').op('R')
                .op('s').stop();
        Object root = StateDictPickle.load(pickle);
        assertTrue(root instanceof Map<?, ?>);
        StateDictPickle.TensorRef t = (StateDictPickle.TensorRef) ((Map<?, ?>) root).get("fc.weight");
        assertEquals(new StateDictPickle.StorageRef("FloatStorage", "0", 6), t.storage());
        assertEquals(List.of(2L, 3L), java.util.Arrays.stream(t.shape()).boxed().toList());
        assertEquals(List.of(3L, 1L), java.util.Arrays.stream(t.stride()).boxed().toList());
    }
}
