"""The machine identity of asv's machine file (``benchmarks.machine``): a generic CPU model
name gets its generation, so that two hosts of one VM type are two machines on the dashboard."""

from __future__ import annotations

import json

import pytest

from benchmarks import machine

ZEN3 = {"vendor_id": "AuthenticAMD", "cpu family": "25", "model": "1", "model name": "AMD EPYC"}
ZEN4 = {**ZEN3, "model": "17"}
V3 = "fpu sse2 cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3 avx avx2 bmi1 bmi2 f16c fma abm movbe xsave"
V4 = V3 + " avx512f avx512bw avx512cd avx512dq avx512vl"


def _info(fields, name="AMD EPYC", cores="2"):
    return {"cpu": name, "num_cpu": cores, "gpu": "none", **machine.cpu_identity(fields)}


@pytest.mark.parametrize(
    "fields, uarch, isa",
    [
        ({**ZEN3, "flags": V3}, "zen3", "x86-64-v3"),
        ({**ZEN4, "flags": V4}, "zen4", "x86-64-v4"),
        ({**ZEN3, "model": "33", "flags": V3}, "zen3", "x86-64-v3"),  # 0x21, a desktop Zen 3
        ({**ZEN3, "cpu family": "23", "model": "49", "flags": V3}, "zen2", "x86-64-v3"),
        ({**ZEN3, "cpu family": "26", "model": "2", "flags": V4}, "zen5", "x86-64-v4"),
        ({**ZEN3, "vendor_id": "GenuineIntel", "cpu family": "6", "model": "143", "flags": V4}, "unknown", "x86-64-v4"),
        ({**ZEN3, "flags": "fpu sse2 cx16 popcnt"}, "zen3", "x86-64-v1"),
    ],
)
def test_cpu_identity(fields, uarch, isa):
    ident = machine.cpu_identity(fields)
    assert (ident["cpu_uarch"], ident["cpu_isa"]) == (uarch, isa)
    assert ident["cpu_id"] == f"{fields['vendor_id']} family {fields['cpu family']} model {fields['model']}"


def test_two_generations_of_a_generic_name_are_two_machines():
    zen3, zen4 = (machine.default_name(_info({**f, "flags": V3})) for f in (ZEN3, ZEN4))
    assert (zen3, zen4) == ("cpu-amd-epyc-zen3-2c", "cpu-amd-epyc-zen4-2c")
    intel = {**ZEN3, "vendor_id": "GenuineIntel", "cpu family": "6", "model": "143", "flags": V4}
    assert machine.default_name(_info(intel, name="Intel Xeon")) == "cpu-intel-xeon-f6m143-2c"
    # a model name that names the part keeps the name as it was
    named = _info(intel, name="Intel(R) Xeon(R) Platinum 8480+", cores="4")
    assert machine.default_name(named) == "cpu-intel-r-xeon-r-platinum-8480-4c"
    assert machine.default_name(_info({}, name="AMD EPYC")) == "cpu-amd-epyc-2c"  # nothing to add


def test_gpu_name_wins():
    info = {**_info({**ZEN3, "flags": V3}), "gpu": "NVIDIA H100 80GB HBM3", "gpu_count": "1"}
    assert machine.default_name(info) == "nvidia-h100-80gb-hbm3"


def test_cpuinfo_first_processor_only(tmp_path):
    text = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n\n"
    text += "processor\t: 1\nmodel\t\t: 99\n"
    (tmp_path / "cpuinfo").write_text(text)
    fields = machine.read_cpuinfo(str(tmp_path / "cpuinfo"))
    assert fields["model"] == "1" and fields["cpu family"] == "25"
    assert machine.read_cpuinfo(str(tmp_path / "missing")) == {}


def test_machine_file_holds_the_cpu_keys(tmp_path):
    info = machine.machine_info("box")
    path = machine.write_machine_file(info, str(tmp_path / "m.json"))
    with open(path) as f:
        entry = json.load(f)["box"]
    assert {"cpu_id", "cpu_uarch", "cpu_isa", "gpu", "torch_version"} <= set(entry)
