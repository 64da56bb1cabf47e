"""Write this machine's identity, its GPU included, into asv's machine file.

asv keys results by machine name and copies every key of the machine's entry into each result,
where the dashboard offers it as a filter. Besides asv's own keys (``machine``, ``os``, ``arch``,
``cpu``, ``num_cpu``, ``ram``) this records

``cpu_id``, ``cpu_uarch``, ``cpu_isa`` (:func:`cpu_identity`), ``gpu``, ``gpu_count``,
``gpu_memory``, ``compute_capability``, ``gpu_driver``, ``cuda_version``, ``torch_version``,
``cupy_version``

(``"none"`` where absent; not ``torch`` or ``cuda``, which would collide with the requirement
keys asv adds to the results of its virtualenvs), and names the machine after its GPU model (``nvidia-h100-80gb-hbm3``)
or, without one, its CPU (``cpu-amd-epyc-zen3-2c``: the generation is added to a generic model
name), so that an H100 and an H200, or a Zen 3 and a Zen 4 host of one VM type, are two machines
on the dashboard and every lent machine of one model adds to the same history.

Usage::

    python -m benchmarks.machine                   # update ~/.asv-machine.json, print the entry
    python -m benchmarks.machine --name my-box     # choose the name
    python -m benchmarks.machine --path F.json     # write another file (e.g. for another HOME)
    python -m benchmarks.machine --print           # only print the entry

then ``asv run --machine <name> ...`` (the name is printed last).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys

__all__ = [
    "machine_info",
    "read_cpuinfo",
    "cpu_model",
    "cpu_identity",
    "gpu_info",
    "default_name",
    "write_machine_file",
    "main",
]

DEFAULT_PATH = os.path.join("~", ".asv-machine.json")
API_VERSION = 1  # the version asv writes into its machine file


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_cpuinfo(path: str = "/proc/cpuinfo") -> dict[str, str]:
    """The first processor's fields of ``/proc/cpuinfo`` (empty where there is none)."""
    fields: dict[str, str] = {}
    try:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    break  # the end of the first processor
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return fields


def cpu_model(fields: dict[str, str] | None = None) -> str:
    """The CPU's model name (``/proc/cpuinfo``'s, else the platform's)."""
    fields = read_cpuinfo() if fields is None else fields
    return fields.get("model name") or platform.processor() or platform.machine() or "unknown"


#: AMD Zen generations by (family, first model, last model), as the processors report them
#: (family 0x17: Zen to Zen 2; 0x19: Zen 3 and Zen 4 in model ranges; 0x1a: Zen 5).
_AMD_ZEN = (
    (0x17, 0x00, 0x2F, "zen1"),
    (0x17, 0x30, 0xFF, "zen2"),
    (0x19, 0x00, 0x0F, "zen3"),
    (0x19, 0x10, 0x1F, "zen4"),
    (0x19, 0x20, 0x5F, "zen3"),
    (0x19, 0x60, 0xAF, "zen4"),
    (0x1A, 0x00, 0xFF, "zen5"),
)


def _x86_level(flags: set[str]) -> str:
    """The x86-64 micro-architecture level (psABI v1-v4) that the CPU's flags reach."""
    v2 = {"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"}
    v3 = {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"}
    v4 = {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}
    level = 1
    for n, need in ((2, v2), (3, v3), (4, v4)):
        if not need <= flags:
            break
        level = n
    return f"x86-64-v{level}"


def cpu_identity(fields: dict[str, str] | None = None) -> dict[str, str]:
    """The CPU beyond its model name, which a hypervisor may reduce to ``AMD EPYC`` for every
    generation: ``cpu_id`` (vendor, family and model numbers), ``cpu_uarch`` (``zen3``, ... for
    AMD; ``unknown`` elsewhere) and ``cpu_isa`` (the x86-64 level of its flags, e.g.
    ``x86-64-v4`` with AVX-512; the architecture elsewhere)."""
    fields = read_cpuinfo() if fields is None else fields
    vendor = fields.get("vendor_id", "unknown")
    try:
        family, model = int(fields["cpu family"]), int(fields["model"])
    except (KeyError, ValueError):
        return {"cpu_id": vendor, "cpu_uarch": "unknown", "cpu_isa": platform.machine() or "unknown"}
    uarch = "unknown"
    if vendor == "AuthenticAMD":
        uarch = next((name for f, lo, hi, name in _AMD_ZEN if f == family and lo <= model <= hi), "unknown")
    flags = set(fields.get("flags", "").split())
    isa = _x86_level(flags) if "sse2" in flags else (platform.machine() or "unknown")
    return {"cpu_id": f"{vendor} family {family} model {model}", "cpu_uarch": uarch, "cpu_isa": isa}


def _ram_bytes() -> str:
    try:
        return str(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return "unknown"


def _nvidia_smi(field: str) -> str:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return "unknown"
    try:
        out = subprocess.run(
            [exe, f"--query-gpu={field}", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    lines = [s.strip() for s in out.splitlines() if s.strip()]
    return lines[0] if lines else "unknown"


def gpu_info() -> dict[str, str]:
    """The GPU keys: model, count, memory, compute capability, driver, CUDA, torch, cupy."""
    keys = ("gpu", "gpu_count", "gpu_memory", "compute_capability", "gpu_driver", "cuda_version")
    info = dict.fromkeys(keys + ("torch_version", "cupy_version"), "none")
    try:
        import torch
    except ImportError:
        return info
    info["torch_version"] = torch.__version__
    info["cuda_version"] = torch.version.cuda or "none"
    try:
        import cupy

        info["cupy_version"] = cupy.__version__
    except Exception:  # cupy missing or broken (no CUDA libraries): recorded as none
        pass
    if not torch.cuda.is_available():
        return info
    props = torch.cuda.get_device_properties(0)
    info["gpu"] = props.name
    info["gpu_count"] = str(torch.cuda.device_count())
    info["gpu_memory"] = f"{props.total_memory / 2**30:.0f} GiB"
    info["compute_capability"] = f"{props.major}.{props.minor}"
    info["gpu_driver"] = _nvidia_smi("driver_version")
    if info["gpu_driver"] == "unknown" and info["cupy_version"] != "none":
        import cupy

        v = cupy.cuda.runtime.driverGetVersion()  # newest CUDA the driver supports, e.g. 12040
        info["gpu_driver"] = f"supports CUDA {v // 1000}.{v % 1000 // 10}"
    return info


def _cpu_generation(info: dict[str, str]) -> str:
    """``zen3``, or ``f25m1`` from ``cpu_id`` where the generation has no name here."""
    if info.get("cpu_uarch", "unknown") != "unknown":
        return info["cpu_uarch"]
    m = re.search(r"family (\d+) model (\d+)", info.get("cpu_id", ""))
    return f"f{m[1]}m{m[2]}" if m else ""


def default_name(info: dict[str, str]) -> str:
    """``<gpu model>`` (``-x<count>`` for several) or ``cpu-<cpu model>-<cores>c``.

    A CPU model name without a digit (a hypervisor's generic ``AMD EPYC``) gets the generation
    before the cores, ``cpu-amd-epyc-zen3-2c``: two generations of one generic name are two
    machines, not one history that jumps when the host changes."""
    if info.get("gpu", "none") != "none":
        count = info.get("gpu_count", "1")
        return _slug(info["gpu"]) + ("" if count in ("1", "none") else f"-x{count}")
    cpu = _slug(info["cpu"])
    generation = _cpu_generation(info)
    if generation and not re.search(r"\d", cpu):
        cpu += "-" + generation
    return f"cpu-{cpu}-{info['num_cpu']}c"


def machine_info(name: str | None = None) -> dict[str, str]:
    """asv's keys and the GPU keys of this machine; ``machine`` is ``name`` or :func:`default_name`."""
    uname = platform.uname()
    fields = read_cpuinfo()
    info = {
        "machine": "",
        "os": f"{uname.system} {uname.release}",
        "arch": platform.machine(),
        "cpu": cpu_model(fields),
        "num_cpu": str(os.cpu_count() or 1),
        "ram": _ram_bytes(),
    }
    info.update(cpu_identity(fields))
    info.update(gpu_info())
    info["machine"] = name or default_name(info)
    return info


def write_machine_file(info: dict[str, str], path: str = DEFAULT_PATH) -> str:
    """Add or replace ``info['machine']``'s entry in the machine file; return its path."""
    path = os.path.expanduser(path)
    data: dict = {}
    if os.path.isfile(path):
        with open(path) as f:
            data = json.load(f)
    data[info["machine"]] = info
    data["version"] = API_VERSION
    with open(path, "w") as f:
        json.dump(data, f, indent=4, sort_keys=True)
        f.write("\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.machine", description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", help="machine name (default: the GPU model, else cpu-<model>-<cores>c)")
    parser.add_argument("--path", default=DEFAULT_PATH, help="machine file (default: %(default)s)")
    parser.add_argument("--print", action="store_true", dest="print_only", help="print the entry, write nothing")
    args = parser.parse_args(argv)
    info = machine_info(args.name)
    print(json.dumps(info, indent=4, sort_keys=True))
    if not args.print_only:
        path = write_machine_file(info, args.path)
        print(f"wrote {path}; run asv with --machine {info['machine']}", file=sys.stderr)
    print(info["machine"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
