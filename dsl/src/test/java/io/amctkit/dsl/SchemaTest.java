package io.amctkit.dsl;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.amctkit.dsl.proto.AMCTRetrainConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The schema is AMCT's: same package, messages, numbers, labels, types, defaults, oneofs and enums. */
class SchemaTest {

    /** message.field number label type default oneof — config-schema.md §2 and §8. */
    private static final List<String> EXPECTED = List.of(
            "AMCTRetrainConfig.batch_num 1 optional uint32 1 -",
            "AMCTRetrainConfig.retrain_data_quant_config 2 optional RetrainDataQuantConfig - -",
            "AMCTRetrainConfig.retrain_weight_quant_config 3 optional RetrainWeightQuantConfig - -",
            "AMCTRetrainConfig.skip_layers 4 repeated string - -",
            "AMCTRetrainConfig.override_layer_configs 5 repeated RetrainOverrideLayer - -",
            "AMCTRetrainConfig.skip_layer_types 6 repeated string - -",
            "AMCTRetrainConfig.override_layer_types 7 repeated RetrainOverrideLayerType - -",
            "AMCTRetrainConfig.prune_config 8 optional PruneConfig - -",
            "AMCTRetrainConfig.regular_prune_skip_layers 9 repeated string - -",
            "AMCTRetrainConfig.regular_prune_skip_types 10 repeated string - -",
            "AMCTRetrainConfig.quant_skip_layers 11 repeated string - -",
            "AMCTRetrainConfig.quant_skip_types 12 repeated string - -",
            "AMCTRetrainConfig.fakequant_precision_mode 21 optional FakequantPrecisionMode - -",
            "RetrainDataQuantConfig.ulq_quantize 13 optional ActULQquantize - data_retrain_algo",
            "ActULQquantize.clip_max_min 1 optional ClipMaxMin - -",
            "ActULQquantize.fixed_min 2 optional bool - -",
            "ActULQquantize.dst_type 3 optional DataType INT8 -",
            "ClipMaxMin.clip_max 3 required float - -",
            "ClipMaxMin.clip_min 5 required float - -",
            "RetrainWeightQuantConfig.arq_retrain 1 optional ARQRetrain - weights_retrain_algo",
            "RetrainWeightQuantConfig.ulq_retrain 2 optional WtsULQRetrain - weights_retrain_algo",
            "ARQRetrain.dst_type 1 optional DataType INT8 -",
            "ARQRetrain.channel_wise 2 optional bool - -",
            "WtsULQRetrain.dst_type 1 optional DataType INT8 -",
            "WtsULQRetrain.channel_wise 2 optional bool - -",
            "RetrainOverrideLayer.layer_name 1 required string - -",
            "RetrainOverrideLayer.retrain_data_quant_config 2 optional RetrainDataQuantConfig - -",
            "RetrainOverrideLayer.retrain_weight_quant_config 3 optional RetrainWeightQuantConfig - -",
            "RetrainOverrideLayer.prune_config 4 optional PruneConfig - -",
            "RetrainOverrideLayerType.layer_type 1 required string - -",
            "RetrainOverrideLayerType.retrain_data_quant_config 2 optional RetrainDataQuantConfig - -",
            "RetrainOverrideLayerType.retrain_weight_quant_config 3 optional RetrainWeightQuantConfig - -",
            "RetrainOverrideLayerType.prune_config 4 optional PruneConfig - -",
            "PruneConfig.filter_pruner 1 optional FilterPruner - regular_prune_strategy",
            "PruneConfig.n_out_of_m_pruner 2 optional NOutOfMPruner - regular_prune_strategy",
            "FilterPruner.balanced_l2_norm_filter_prune 1 optional BalancedL2NormFilterPruner - filter_pruner_algo",
            "BalancedL2NormFilterPruner.prune_ratio 1 required float - -",
            "BalancedL2NormFilterPruner.ascend_optimized 2 optional bool true -",
            "NOutOfMPruner.l1_selective_prune 1 optional L1SelectivePruner - n_out_of_m_pruner_algo",
            "L1SelectivePruner.n_out_of_m_type 1 optional NOutOfMType M4N2 -",
            "L1SelectivePruner.update_freq 2 optional uint32 0 -");

    @Test
    void everyFieldHasAmctsNumberLabelTypeDefaultAndOneof() {
        List<String> actual = new ArrayList<>();
        for (Descriptor message : AMCTRetrainConfig.getDescriptor().getFile().getMessageTypes()) {
            for (FieldDescriptor f : message.getFields()) {
                String type = switch (f.getJavaType()) {
                    case MESSAGE -> f.getMessageType().getName();
                    case ENUM -> f.getEnumType().getName();
                    default -> f.getType().name().toLowerCase();
                };
                String label = f.isRepeated() ? "repeated" : f.isRequired() ? "required" : "optional";
                String def = f.hasDefaultValue() ? String.valueOf(f.getDefaultValue()) : "-";
                String oneof = f.getRealContainingOneof() == null ? "-" : f.getRealContainingOneof().getName();
                actual.add(message.getName() + "." + f.getName() + " " + f.getNumber() + " " + label + " " + type + " "
                        + def + " " + oneof);
            }
        }
        assertEquals(EXPECTED.stream().sorted().toList(), actual.stream().sorted().toList());
    }

    @Test
    void packageAndEnumsAreAmcts() {
        var file = AMCTRetrainConfig.getDescriptor().getFile();
        assertEquals("AMCTPytorchProto", file.getPackage());
        assertEquals("proto2", file.toProto().getSyntax().isEmpty() ? "proto2" : file.toProto().getSyntax());
        assertEquals("AMCTPytorchProto.AMCTRetrainConfig", AMCTRetrainConfig.getDescriptor().getFullName());
        assertEquals("[INT4=0, INT8=1, INT16=2]", file.findEnumTypeByName("DataType").getValues().stream()
                .map(v -> v.getName() + "=" + v.getNumber()).toList().toString());
        assertEquals("[M4N2=0]", file.findEnumTypeByName("NOutOfMType").getValues().stream()
                .map(v -> v.getName() + "=" + v.getNumber()).toList().toString());
        assertEquals("[FORCE_FP16_QUANT=1]", AMCTRetrainConfig.FakequantPrecisionMode.getDescriptor().getValues()
                .stream().map(v -> v.getName() + "=" + v.getNumber()).toList().toString());
    }

    /** config-schema.md §7: the worked cfg encodes to protoc's 87 bytes, and decodes back to the same message. */
    @Test
    void binaryRoundTripVectorMatchesProtoc() throws InvalidProtocolBufferException {
        String cfg = """
                batch_num: 2
                retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 6.0 clip_min: -6.0 } fixed_min: true dst_type: INT8 } }
                retrain_weight_quant_config { arq_retrain { channel_wise: true dst_type: INT8 } }
                skip_layers: "fc"
                override_layer_types  { layer_type: "Linear" retrain_weight_quant_config { arq_retrain { channel_wise: false } } }
                override_layer_configs { layer_name: "layer1.0.conv1"
                                         retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 3.0 clip_min: -3.0 } } } }
                fakequant_precision_mode: FORCE_FP16_QUANT
                """;
        String hex = "080212126a100a0a1d0000c0402d0000c0c0100118011a060a0408011001220266632a200a0e6c61796572312e302e636f"
                + "6e7631120e6a0c0a0a1d000040402d000040c03a0e0a064c696e6561721a040a021000a80101";
        AMCTRetrainConfig parsed = RetrainConfig.parse(cfg).toProto();
        assertEquals(hex, HexFormat.of().formatHex(parsed.toByteArray()));
        assertEquals(parsed, AMCTRetrainConfig.parseFrom(HexFormat.of().parseHex(hex)));
        assertEquals(87, parsed.getSerializedSize());
    }
}
