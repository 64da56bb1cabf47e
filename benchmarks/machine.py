"""Write this machine's identity, its GPU included, into asv's machine file.

asv keys results by machine name and copies every key of the machine's entry into each result,
where the dashboard offers it as a filter. Besides asv's own keys (``machine``, ``os``, ``arch``,
``cpu``, ``num_cpu``, ``ram``) this records

``gpu``, ``gpu_count``, ``gpu_memory``, ``compute_capability``, ``gpu_driver``, ``cuda_version``,
``torch_version``, ``cupy_version``

(``"none"`` where absent; not ``torch`` or ``cuda``, which would collide with the requirement
keys asv adds to the results of its virtualenvs), and names the machine after its GPU model (``nvidia-h100-80gb-hbm3``)
or, without one, its CPU (``cpu-amd-epyc-2c``), so that an H100 and an H200 are two machines
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

__all__ = ["machine_info", "gpu_info", "default_name", "write_machine_file", "main"]

DEFAULT_PATH = os.path.join("~", ".asv-machine.json")
API_VERSION = 1  # the version asv writes into its machine file


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


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


def default_name(info: dict[str, str]) -> str:
    """``<gpu model>`` (``-x<count>`` for several) or ``cpu-<cpu model>-<cores>c``."""
    if info.get("gpu", "none") != "none":
        count = info.get("gpu_count", "1")
        return _slug(info["gpu"]) + ("" if count in ("1", "none") else f"-x{count}")
    return f"cpu-{_slug(info['cpu'])}-{info['num_cpu']}c"


def machine_info(name: str | None = None) -> dict[str, str]:
    """asv's keys and the GPU keys of this machine; ``machine`` is ``name`` or :func:`default_name`."""
    uname = platform.uname()
    info = {
        "machine": "",
        "os": f"{uname.system} {uname.release}",
        "arch": platform.machine(),
        "cpu": _cpu_model(),
        "num_cpu": str(os.cpu_count() or 1),
        "ram": _ram_bytes(),
    }
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
