package io.amctkit.runtime.export;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.model.ModelZoo;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deploy model's AscendQuant/AscendDequant encoding, checked against AMCT's rules on the real MiniLM. */
class DeployExportTest {

    @Test
    void theSpecsQuantScaleExample() {
        assertEquals(170.0f, (float) (1.0 / Float.intBitsToFloat(0x3bc0c0c1)));
        assertEquals(0x3b800000L, DeployExport.dequantParameter(Float.intBitsToFloat(0x3b800000), false));
    }

    @Tag("real-model")
    @Test
    void miniLmDeployModelEncodesEveryQuantizedLayer() throws Exception {
        Kernels kernels = Backends.select().kernels(2);
        RetrainConfig cfg = RetrainConfig.parse("q.cfg", "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
                + "retrain_weight_quant_config { arq_retrain { channel_wise: false } }\n");
        try (OnnxModel m = (OnnxModel) Models.open(ModelZoo.standard().fetch(ModelZoo.entry("minilm").orElseThrow()))) {
            SessionResult s = Session.of(m, cfg, Mode.QUANT).run(kernels, Session.Progress.NONE);
            s = s.withCalibration(Calibration.run(m, s.resolution(), SampleSource.generated(30522, 1), 1, kernels));
            FakeQuantExport.Result deploy = DeployExport.of(m, s);
            assertEquals(36, deploy.quantized().size(), deploy.leftFloat().toString());
            var g = deploy.model().getGraph();
            assertEquals(36, g.getNodeList().stream().filter(n -> n.getOpType().equals("AscendQuant")).count());
            assertEquals(36, g.getNodeList().stream().filter(n -> n.getOpType().equals("AscendDequant")).count());
            String layer = "encoder.layer.4.output.dense";
            var act = s.activation(layer).orElseThrow();
            NodeProto quant = g.getNodeList().stream().filter(n -> n.getName().equals(layer + ".quant")).findFirst().orElseThrow();
            assertEquals((float) (1.0 / act.scale()), quant.getAttributeList().stream().filter(a -> a.getName().equals("scale")).findFirst().orElseThrow().getF());
            assertEquals((float) act.offset(), quant.getAttributeList().stream().filter(a -> a.getName().equals("offset")).findFirst().orElseThrow().getF());
            NodeProto matmul = g.getNodeList().stream().filter(n -> n.getInputCount() > 0 && n.getInput(0).equals(layer + ".quant.output0")).findFirst().orElseThrow();
            TensorProto w = g.getInitializerList().stream().filter(t -> t.getName().equals(matmul.getInput(1))).findFirst().orElseThrow();
            assertEquals(3, w.getDataType(), "INT8 weight");
            assertEquals(1536 * 384, w.getRawData().size());
            float scaleW = s.layers().stream().filter(l -> l.name().equals(layer)).findFirst().orElseThrow().artifacts().weightScales()[0];
            float[] stored = m.read(m.layer(layer).orElseThrow().weight()).data().asFloat();
            byte[] q = w.getRawData().toByteArray();
            for (int i = 0; i < q.length; i += 997) {
                assertEquals((int) Math.min(Math.max(Math.rint(stored[i] / scaleW), -128), 127), q[i], "weight level " + i);
            }
            TensorProto param = g.getInitializerList().stream().filter(t -> t.getName().equals(layer + ".dequant.param")).findFirst().orElseThrow();
            assertEquals(13, param.getDataType(), "UINT64");
            long p = param.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(0, p >>> 32, "offset_w is 0");
            assertEquals(scaleW * act.scale(), Float.intBitsToFloat((int) p), "deq_scale = scale_w · scale_d as float32 bits");
            long linearFloatBytes = 4L * s.paramsBefore();
            long saved = java.nio.file.Files.size(m.source()) - deploy.model().getSerializedSize();
            assertTrue(saved > 0.74 * linearFloatBytes && saved < 0.76 * linearFloatBytes,
                    "INT8 weights save three quarters of the Linear weights' bytes: saved " + saved + " of " + linearFloatBytes);
        }
    }
}
