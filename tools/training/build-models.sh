#!/usr/bin/env bash
# Rebuilds the shipped example models in models/ from ../shared/data (byte-identical on the same CPU and packages).
# Needs Debian's python3-torch and python3-onnx:  apt-get install -y python3-torch python3-onnx
# Usage: tools/training/build-models.sh [DATA_DIR] [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${1:-$here/../../../shared/data}"
out="${2:-$here/models}"
py=(nice -n 19 /usr/bin/python3)
mkdir -p "$out"

# Forecaster: Wikipedia hourly + the two Azure 1-s traces. Held out: NASA (1 min and 5 min), Azure 1 min.
"${py[@]}" "$here/train.py" forecaster --data "$data/traces" \
  --files 'wikipedia_en_hourly.csv,azure_llm_code_1s.csv,azure_llm_conv_1s.csv' \
  --window 32 --horizon 2 --quantiles 0.5,0.9 --step-seconds 60 --max-windows 8000 --epochs 10 --seed 1 \
  --name forecaster-lstm --version 1.0.0 --out "$out/forecaster-lstm.onnx" --state "$out/forecaster-lstm.pt"

# Detector: the NAB series without anomaly windows (artificialNoAnomaly/* and ec2_cpu_utilization_c6585a).
"${py[@]}" "$here/train.py" detector --data "$data/nab/data" \
  --files 'artificialNoAnomaly/*,realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv' \
  --window 32 --epochs 10 --seed 1 \
  --name detector-autoencoder --version 1.0.0 --out "$out/detector-autoencoder.onnx" --state "$out/detector-autoencoder.pt"

for model in forecaster-lstm detector-autoencoder; do
  "${py[@]}" "$here/reference.py" --model "$out/$model.onnx" --state "$out/$model.pt" \
    --out "$out/$model.reference.json" --rows 8 --seed 1
done
