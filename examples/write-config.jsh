// A JShell script: build AMCT's compressed sample config for the PaddleOCR detector's layer names and write it.
//   ./amctkit run examples/write-config.jsh            (writes compressed-det.cfg in the current folder)
RetrainConfig cfg = config()
    .prune(selectivePrune().nOutOfMType(M4N2).updateFreq(0))
    .weights(arq().channelWise(true).dstType(INT8))
    .activations(ulq().clipRange(-6, 6))
    .quantSkipLayers("conv2d_0")
    .override(layerType("ConvTranspose2d").weights(arq().channelWise(false).dstType(INT8)));
Path out = Path.of(System.getProperty("amctkit.out", "compressed-det.cfg"));
cfg.writeTo(out, true);
System.out.println("wrote " + out + ": " + cfg.validate(COMPRESSED));
out
