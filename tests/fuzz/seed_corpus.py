#!/usr/bin/python3
"""Writes the fuzz targets' seed inputs and the YAML dictionary (docs/robustness.md).

    /usr/bin/python3 tests/fuzz/seed_corpus.py OUT_DIR

OUT_DIR/<target>/ receives one file per seed, named after its source; OUT_DIR/meshsim.dict the
keys and words of every example.  The committed corpus (tests/fuzz/corpus/<target>/) is these
seeds plus what fuzzing found, minimised with libFuzzer's -merge=1 (see tests/fuzz/run.sh);
regenerate it rather than editing it by hand.
"""
import hashlib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "scenarios/examples").rglob("*.yaml")) + sorted(
    (ROOT / "tests/scenarios/bad").rglob("*.yaml"))
# The kinds of scenario_kind_fuzz.cc, in its order (the first byte picks one).
KINDS = ["Topology", "Load", "Timeline", "Experiment", "VirtualService", "DestinationRule",
         "Service", "Deployment"]
# The targets skip inputs that could read files (fuzz_support.h, touches_files).
FILE_WORDS = ("clude", "file", "\\")
# --set overrides for the retry-storm example, as the docs and examples spell them.
OVERRIDES = [
    "VirtualService/ledger.spec.http[0].retries.attempts=5",
    "Experiment.spec.seed=7",
    "Experiment/retry-storm.spec.duration=120s",
    "Load/shoppers.spec.rate=400",
    "Topology/shop.spec.workloads[ledger-v1].workers=2",
    "Topology/shop.spec.workloads[0].replicas=3",
    "Timeline/brownout.spec.events[0].at=5s",
    "Experiment.spec.istioVersion='1.23'",
    "Load.spec.requests=[{path: /a, weight: 1}]",
    "Topology.spec.services[ledger].ports=[{name: http, port: 80}]",
]


def without_includes(text):
    """The text less an Experiment's include list (the targets skip inputs that read files)."""
    out, skipping = [], None
    for line in text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip(" "))
        if skipping is not None and (indent > skipping or line.lstrip().startswith("- ")
                                     and indent >= skipping):
            continue
        skipping = None
        if re.match(r"\s*include:", line):
            skipping = indent
            continue
        out.append(line)
    return "".join(out)


def documents(text):
    return [d for d in re.split(r"(?m)^---.*\n", text) if d.strip()]


def write(directory, name, data):
    directory.mkdir(parents=True, exist_ok=True)
    if any(w.encode() in data for w in FILE_WORDS):
        return
    (directory / name).write_bytes(data)


def main():
    out = pathlib.Path(sys.argv[1])
    words, values = set(), set()
    for src in SOURCES:
        rel = src.relative_to(ROOT).as_posix().replace("/", "_")
        text = without_includes(src.read_text())
        write(out / "scenario_text", rel, text.encode())
        for i, doc in enumerate(documents(text)):
            kind = re.search(r"(?m)^kind:\s*(\S+)", doc)
            if kind and kind.group(1) in KINDS:
                body = re.sub(r"(?m)^(apiVersion|kind):.*\n", "", doc)
                write(out / "scenario_kind", f"{rel}.{i}",
                      bytes([KINDS.index(kind.group(1))]) + body.encode())
        words.update(re.findall(r"(?m)^[\s-]*([A-Za-z][A-Za-z0-9_]*):", text))
        values.update(re.findall(r"(?<![.\d])\d+(?:ms|s|m|h|us|ns)\b", text))
    for i, o in enumerate(OVERRIDES):
        write(out / "set_override", f"docs.{i}", o.encode())
    write(out / "set_override", "all", "\n".join(OVERRIDES).encode())
    words.update(KINDS)
    words -= {w for w in words if any(f in w for f in FILE_WORDS)}
    syntax = ["---", ": ", "- ", "{", "}", "[", "]", "&a ", "*a", "<<: ", "!!str ", "? ", "|\n",
              ">\n", "'", '"', "null", "~", "true", "1e309", "-1", "0x10", ".nan", ".inf",
              "9223372036854775807", "%", "/v1alpha1", "meshsim.dev/v1alpha1",
              "networking.istio.io/v1beta1", "apps/v1"]
    lines = [f'"{w}:"' for w in sorted(words) if re.fullmatch(r"[A-Za-z0-9_]+", w)]
    lines += [f'"{v}"' for v in sorted(values)]
    lines += ['"' + "".join(c if c.isprintable() and c not in '\\"' else f"\\x{ord(c):02X}"
                            for c in s) + '"' for s in syntax]
    (out / "meshsim.dict").write_text(
        "# libFuzzer dictionary: the examples' keys and YAML syntax (tests/fuzz/seed_corpus.py)\n"
        + "\n".join(lines) + "\n")
    n = {d.name: len(list(d.iterdir())) for d in out.iterdir() if d.is_dir()}
    print(f"seeds: {n}; dictionary: {len(lines)} entries")


if __name__ == "__main__":
    main()
