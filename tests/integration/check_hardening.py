"""One regression case per root cause found by feeding neupims-vp, check-commands and
tools/sweep.py bad input: every case must end with its documented exit code and one clear error
line (never a crash, a hang, a traceback or a silent guess), and no run may write outside its
--out or destroy an earlier run's outputs before its input is validated.

  check_hardening.py VP FIRMWARE_DIR SOURCE_DIR OUT"""
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys

vp, firmware_dir, source_dir, out = sys.argv[1:5]
config = os.path.join(source_dir, "configs", "platforms", "default.json")
sweep_py = os.path.join(source_dir, "tools", "sweep.py")
hello = os.path.join(firmware_dir, "hello.elf")
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
failures = []
cases = 0


def run(args, timeout=60, cwd=None):
    try:
        return subprocess.run(args, capture_output=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return None


def expect(name, args, code, stderr=None, stdout=None, timeout=60):
    """Runs args; checks the exit code, that stderr is one 'error:' line matching `stderr` when
    the code is 2 or 3, and no traceback or uncaught exception anywhere."""
    global cases
    cases += 1
    result = run(args, timeout)
    if result is None:
        failures.append(f"{name}: hung (no exit within {timeout} s)")
        return None
    err = result.stderr.decode("utf-8", "replace")
    text = result.stdout.decode("utf-8", "replace")
    problems = []
    if result.returncode != code:
        problems.append(f"exit {result.returncode}, expected {code}")
    if "Traceback" in err or "uncaught exception" in err + text or "terminate called" in err:
        problems.append("a traceback or uncaught exception")
    if code in (2, 3):
        lines = [l for l in err.strip().splitlines() if not l.startswith(("[job]", "gdb:"))]
        if len(lines) != 1 or "error:" not in lines[0]:
            problems.append("stderr is not one error line")
    if stderr is not None and not re.search(stderr, err):
        problems.append(f"stderr does not match /{stderr}/")
    if stdout is not None and not re.search(stdout, text):
        problems.append(f"stdout does not match /{stdout}/")
    if problems:
        failures.append(f"{name}: {'; '.join(problems)}\n    args: {args}\n    stderr: {err.strip()[:600]}")
    return result


def vp_run(*args):
    return [vp, "run", "--config", config, "--firmware", hello, *args]


def folder(name):
    path = os.path.join(out, name)
    os.makedirs(path, exist_ok=True)
    return path


# --- outputs stay inside --out (the security hole: a config could write any file) -------------
victim = os.path.join(out, "victim.txt")
with open(victim, "w") as f:
    f.write("precious\n")
run_out = os.path.join(out, "runs", "a")
expect("uart output with .. leaving --out", vp_run("--out", run_out, "--set",
       "modules.uart.output=../../victim.txt"), 2, r"modules\.uart\.output: '\.\./\.\./victim\.txt' does not name a file inside --out")
expect("uart output absolute", vp_run("--out", run_out, "--set", f"modules.uart.output={victim}"), 2,
       r"modules\.uart\.output: .* is an absolute path")
expect("logits without tokens", vp_run("--out", run_out, "--set", "modules.job.system.logits=true"), 2,
       "modules.job.system.logits: reporting logits needs real tokens")
expect("adaptive stretch out of range", vp_run("--out", run_out, "--set", "modules.job.system.adaptive_attention_stretch=20"), 2,
       "modules.job.system.adaptive_attention_stretch: 20 is out of range")
expect("timeline absolute", vp_run("--out", run_out, "--set", f"trace.perfetto={victim}"), 2,
       r"trace\.perfetto: .* is an absolute path")
expect("command database with ..", vp_run("--out", run_out, "--set", "trace.sqlite=x/../../../victim.txt"), 2,
       r"trace\.sqlite: .* does not name a file inside --out")
with open(victim) as f:
    if f.read() != "precious\n":
        failures.append("a rejected output path changed a file outside --out")
link_out = folder("linked")
os.symlink(out, os.path.join(link_out, "escape"))
expect("output through a symbolic link", vp_run("--out", link_out, "--set", "trace.perfetto=escape/victim.txt"), 2,
       r"trace\.perfetto: .* leads outside --out through a symbolic link")
expect("two outputs on one file", vp_run("--out", run_out, "--set", "modules.uart.output=log.txt",
       "--set", "trace.perfetto=log.txt"), 2, r"'log\.txt' is also the output of")
expect("an output on the run's own stats", vp_run("--out", run_out, "--set", "trace.vcd=stats.json"), 2,
       r"trace\.vcd: 'stats\.json' is also the output of --out \(the statistics\)")
expect("an output that is a folder", vp_run("--out", run_out, "--set", "trace.perfetto=."), 2,
       r"trace\.perfetto: '\.' does not name a file")
os.makedirs(os.path.join(run_out, "adir"), exist_ok=True)
expect("an output on an existing folder", vp_run("--out", run_out, "--set", "trace.perfetto=adir"), 2,
       r"trace\.perfetto: 'adir' is a folder")
expect("a path component over 255 bytes", vp_run("--out", run_out, "--set", "modules.uart.output=" + "a" * 300), 2,
       r"has a path component of 300 bytes \(at most 255\)")
expect("uart to /dev/null is allowed", vp_run("--out", run_out, "--set", "modules.uart.output=/dev/null"), 0)
expect("uart to a file inside --out", vp_run("--out", run_out, "--set", "modules.uart.output=logs/uart.txt"), 0)
if not os.path.isfile(os.path.join(run_out, "logs", "uart.txt")):
    failures.append("the UART file was not written inside --out")

# PIM engines: a memory whose engine needs one row buffer per bank, in dual mode; an unknown engine.
expect("the HBM-PIM engine in dual mode",
       vp_run("--out", run_out, "--set", "modules.hbm.memory=" + os.path.join(source_dir, "configs", "memory", "samsung-hbm-pim.json")),
       2, r"modules\.hbm\.mode: 'samsung-hbm-pim' has the hbm-pim engine, whose banks have one row buffer each: "
          r"mode must be 'blocked' \(or 'dram'\), not 'dual'")
engine_file = os.path.join(run_out, "unknown-engine.json")
memory_text = open(os.path.join(source_dir, "configs", "memory", "neupims-hbm2.json")).read()
open(engine_file, "w").write(memory_text.replace('"comp_pipeline_comps": 6', '"comp_pipeline_comps": 6, "engine": "upmem"'))
expect("an unknown PIM engine", vp_run("--out", run_out, "--set", "modules.hbm.memory=" + engine_file), 2,
       r"pim\.engine.*upmem.*neupims.*hbm-pim")

# A rejected rerun leaves the previous run's traces as they were.
traced = folder("traced")
expect("a traced run", vp_run("--out", traced, "--trace"), 0)
before = {f: open(os.path.join(traced, f), "rb").read() for f in ("timeline.json", "waves.vcd", "commands.db", "stats.json")}
expect("a rejected rerun with --trace", vp_run("--out", traced, "--trace", "--set", "modules.cpu.bogus=1"), 2,
       r"modules\.cpu\.bogus: unknown key")
for f, content in before.items():
    if open(os.path.join(traced, f), "rb").read() != content:
        failures.append(f"a rejected rerun changed the previous run's {f}")
# A run that starts removes the previous copies of the files it owns (the job device owns
# tokens.json, written only when tokens are generated); files it does not own stay.
open(os.path.join(traced, "tokens.json"), "w").write("{\"stale\": 1}\n")
expect("a rerun without traces", vp_run("--out", traced), 0)
if os.path.exists(os.path.join(traced, "tokens.json")):
    failures.append("a rerun kept the previous run's tokens.json")
if not os.path.exists(os.path.join(traced, "timeline.json")):
    failures.append("a rerun removed a file it does not own (timeline.json of the traced run)")

# --- check-commands: nothing in the file is trusted ---------------------------------------------
db_out = folder("db")
expect("a traced decode", [vp, "run", "--system", "neupims", "--model", "gpt-tiny", "--batch", "2", "--layers", "1",
                           "--trace", "--out", db_out], 0)
good_db = os.path.join(db_out, "commands.db")
expect("the checker on the run", [vp, "check-commands", good_db], 0, stdout=r" 0 violations")


def damaged(name, sql=None, transform=None):
    path = os.path.join(db_out, name + ".db")
    shutil.copy(good_db, path)
    if sql:
        db = sqlite3.connect(path)
        db.executescript(sql)
        db.commit()
        db.close()
    if transform:
        data = bytearray(open(path, "rb").read())
        transform(data)
        open(path, "wb").write(data)
    return path


expect("a command on channel -1", [vp, "check-commands", damaged("ch", "UPDATE commands SET channel = -1 WHERE id = 5")], 1,
       stdout=r"channel -1 is outside the organization")
expect("a command on channel 32", [vp, "check-commands", damaged("ch32", "UPDATE commands SET channel = 32 WHERE id = 5")], 1,
       stdout=r"channel 32 is outside the organization")


def flip_pages(data):
    for offset in range(8192, len(data), 3 * 4096):
        for k in range(40):
            data[offset + k] ^= 0x5A


expect("a database with damaged pages", [vp, "check-commands", damaged("corrupt", transform=flip_pages)], 2,
       r"the database is damaged")
expect("an RD moved before its ACT in time only",
       [vp, "check-commands", damaged("time", "UPDATE commands SET time_ps = 0 WHERE id = "
                                      "(SELECT id FROM commands WHERE kind = 'RD' ORDER BY id LIMIT 1 OFFSET 20)")], 1,
       stdout=r"time_ps 0 is not cycle")
expect("schema version 99", [vp, "check-commands", damaged("schema", "UPDATE meta SET value = '99' WHERE key = 'schema_version'")],
       2, r"schema version '99'")
expect("a window that is not a number", [vp, "check-commands",
       damaged("window", "UPDATE meta SET value = 'soon' WHERE key = 'window_start_ps'")], 2, r"window_start_ps is 'soon'")
expect("a negative clock period", [vp, "check-commands", damaged("tck", "UPDATE memories SET tck_ps = -5")], 2,
       r"tck_ps '-5' is not the clock period")
expect("commands of an undescribed unit", [vp, "check-commands", damaged("unit", "UPDATE commands SET unit = 'ghost' WHERE id = 7")],
       2, r"commands of unit 'ghost'")
expect("memory parameters NULL", [vp, "check-commands", damaged("null_params", "UPDATE memories SET params = NULL")], 2,
       r"params is not JSON")
expect("a command field NULL", [vp, "check-commands", damaged("null_row", "UPDATE commands SET row = NULL WHERE id = 9")], 1,
       stdout=r"a field is NULL")

# --- hangs ------------------------------------------------------------------------------------
expect("max_instructions near 2^64", vp_run("--out", folder("maxinsn"), "--set", "modules.cpu.max_instructions=18446744073709551615"),
       0, timeout=30)
expect("a trap handler that faults again and again (simctl moved off its address)",
       vp_run("--out", folder("nested"), "--set", "modules.sysbus.map.2.base=0x30000000"), 3,
       r"exceptions taken without an MRET", timeout=30)
expect("--config /dev/zero", [vp, "run", "--config", "/dev/zero"], 2, r"config file '/dev/zero' is not a regular file", timeout=10)
expect("--dataset /dev/zero", [vp, "run", "--system", "neupims", "--dataset", "/dev/zero", "--out", folder("devzero")], 2,
       r"/dev/zero is not a regular file", timeout=10)

# --- uncaught exceptions ------------------------------------------------------------------------
expect("1e400 in --set", vp_run("--set", "modules.cpu.quantum_ns=1e400"), 2, r"'1e400' is out of range for a number")
big = os.path.join(out, "big_number.json")
with open(config) as f:
    text = f.read()
open(big, "w").write(text.replace('"quantum_ns": 1000', '"quantum_ns": 1e400'))
expect("1e400 in a config file", [vp, "run", "--config", big, "--firmware", hello], 2, r"big_number\.json: .*1e400")
expect("non-UTF-8 in --set", vp_run("--set", b"platform.name=\xff\xfe".decode("utf-8", "surrogateescape")), 2, r"not valid UTF-8")
expect("non-UTF-8 in --firmware", [vp, "run", "--config", config, "--firmware", b"\xff.elf".decode("utf-8", "surrogateescape")], 2,
       r"not valid UTF-8")
expect("non-UTF-8 in --model", [vp, "run", "--system", "neupims", "--model", b"\xff".decode("utf-8", "surrogateescape")], 2,
       r"--model: the name is not valid UTF-8")
expect("a firmware name over 255 bytes", [vp, "run", "--config", config, "--firmware", "f" * 300], 2, r"not found")
expect("a config name over 255 bytes", [vp, "run", "--config", "c" * 300], 2, r"config file")
expect("a model name over 255 bytes", [vp, "run", "--system", "neupims", "--model", "m" * 300], 2, r"unknown model")
expect("a size that overflows", vp_run("--set", "modules.ram.size=99999999999999999999 KiB"), 2, r"larger than 2\^64 - 1")
expect("a size that wraps", vp_run("--set", "modules.ram.size=18014398509498368 KiB"), 2, r"larger than 2\^64 - 1 bytes")


def patched_elf(name, memsz):
    """hello.elf with the memory size of its first loadable segment changed."""
    data = bytearray(open(hello, "rb").read())
    phoff, = struct.unpack_from("<I", data, 0x1C)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x2A)
    for i in range(phnum):
        at = phoff + i * phentsize
        if struct.unpack_from("<I", data, at)[0] == 1:  # PT_LOAD
            struct.pack_into("<I", data, at + 20, memsz)
            break
    path = os.path.join(out, name)
    open(path, "wb").write(data)
    return path


expect("an ELF segment past 4 GiB", [vp, "run", "--config", config, "--firmware", patched_elf("huge.elf", 0xFFFFFFFF)], 2,
       r"does not fit the 32-bit address space", timeout=20)
expect("an ELF segment of 2 GiB (reported, never allocated)",
       [vp, "run", "--config", config, "--firmware", patched_elf("big.elf", 0x7FFFFFF0), "--out", folder("bigelf")], 3,
       r"does not fit the memory map", timeout=20)

# --- wiring mistakes are config errors, not SystemC errors ---------------------------------------
expect("an empty bus map", vp_run("--set", "modules.sysbus.map=[]"), 2, r"modules\.sysbus\.map: the map is empty")
expect("a module on no bus", vp_run("--set", 'modules.sysbus.map=[{"target":"ram","base":"0x80000000"},'
                                              '{"target":"uart","base":"0x10000000"},{"target":"simctl","base":"0x10001000"}]'),
       2, r"modules\.\w+: its target port '\w+' is connected to nothing")
expect("a map entry to a module without a target port", vp_run("--set", "modules.sysbus.map.0.target=cpu"), 2,
       r"'cpu' has 0 target ports")
expect("load_bus naming a memory already on the bus", vp_run("--set", "platform.load_bus=ram"), 2,
       r"platform\.load_bus: 'ram\.\w+' is already connected")
expect("cpu.bus naming the RAM", vp_run("--set", "modules.cpu.bus=ram"), 2, r"'ram\.\w+' is already connected through modules\.cpu\.bus")

# --- silent guesses -------------------------------------------------------------------------------
expect("--batch with a leading zero", [vp, "run", "--system", "neupims", "--batch", "010"], 2, r"'010' is not an unsigned integer")
expect("an address with a leading zero", vp_run("--set", 'modules.sysbus.map.4.base="02000000"'), 2, r"'02000000' is not an unsigned integer")
trace_dir = folder("traces")
for channel in ("32", "4294967295"):
    trace = os.path.join(trace_dir, f"ch{channel}.csv")
    open(trace, "w").write(f"seq_len,ch_idx\n10,0\n12,{channel}\n")
    expect(f"a trace ch_idx of {channel}", [vp, "run", "--system", "neupims", "--model", "gpt-tiny", "--set", "modules.job.workload.mode=trace",
                                            "--set", f"modules.job.workload.trace={trace}", "--out", trace_dir], 2,
           rf"data row 2: ch_idx {channel} is not a channel of 'hbm' \(channels 0 \.\. 31\)")
expect("--firmware ''", [vp, "run", "--config", config, "--firmware", ""], 2, r"--firmware: the name is empty")
expect("a stray argument", vp_run("stray"), 2, r"unexpected argument 'stray' after 'run'")
quoted = os.path.join(out, 'he"l\\lo.elf')
shutil.copy(hello, quoted)
expect("a firmware name with a quote and a backslash", [vp, "run", "--config", config, "--firmware", quoted, "--out", folder("quoted")], 0,
       stdout=r"Hello from the neupims-vp host CPU")
expect("job.npu naming no module", [vp, "run", "--system", "neupims", "--set", "modules.job.npu=ghost"], 2,
       r"modules\.job\.npu: no module named 'ghost'")
expect("job.npu naming a module that is not an NPU", [vp, "run", "--system", "neupims", "--set", "modules.job.npu=uart"], 2,
       r"modules\.job\.npu: 'uart' is not an NPU")
expect("a map window larger than the RAM", vp_run("--set", "modules.sysbus.map.0.size=64 MiB"), 2,
       r"modules\.sysbus\.map\[0\]\.size: 0x4000000 bytes is more than the 0x1000000 bytes 'ram' decodes")
expect("a field named twice in the address mapping", [vp, "run", "--system", "neupims", "--set",
       'modules.hbm.address_mapping=["offset","column","channel","bank","bank_group","rank","row","column"]'], 2,
       r"field 'column' is named twice")
duplicate = os.path.join(out, "duplicate_key.json")
open(duplicate, "w").write(text.replace('"quantum_ns": 1000', '"quantum_ns": 1000, "quantum_ns": 10'))
expect("a key given twice in a config file", [vp, "run", "--config", duplicate, "--firmware", hello], 2,
       r"the key 'modules\.cpu\.quantum_ns' is given twice")

# --- unclear errors ---------------------------------------------------------------------------------
misspelt = os.path.join(out, "misspelt.json")
open(misspelt, "w").write(text.replace('"platform":', '"plaform":', 1))
expect("a misspelt top-level key", [vp, "run", "--config", misspelt], 2, r"plaform: unknown top-level key 'plaform'")
expect("PIM attention on a memory without PIM", [vp, "run", "--system", "neupims", "--model", "gpt-tiny", "--batch", "2",
                                                  "--set", "modules.hbm.mode=dram"], 2,
       r"modules\.job\.system\.attention: 'pim' needs PIM units")

odd_head = os.path.join(out, "odd_head.json")
tiny_arch = {"ffn": "gelu", "ffn_dim": 960, "norm": "layernorm", "positions": "learned"}
open(odd_head, "w").write(json.dumps({"name": "odd-head", "description": "heads of 60 elements", "d_model": 240,
                                      "heads": 4, "kv_heads": 4, "layers": 2, "tp": 1, "pp": 1, "vocab": 512,
                                      "max_seq": 2048, **tiny_arch}))
expect("a head size the attention engine cannot serve", [vp, "run", "--system", "neupims", "--model", odd_head,
                                                          "--batch", "2", "--out", folder("odd_head")], 2,
       r"modules\.job\.model: odd-head has heads of 60 elements; the attention engine needs a multiple of 16")

# Model descriptions (configs/models): one clear error per inconsistency.
llama = json.load(open(os.path.join(source_dir, "configs", "models", "llama-tiny.json")))
mixtral = json.load(open(os.path.join(source_dir, "configs", "models", "moe-tiny.json")))
for name, model, message in (
        ("heads not a multiple of kv_heads", {**llama, "kv_heads": 3},
         r"heads 4 are not a multiple of kv_heads 3 \(each K/V head serves a group"),
        ("more experts chosen than exist", {**mixtral, "moe": {"experts": 4, "top_k": 5, "ffn_dim": 256}},
         r"moe\.top_k 5 is more than the 4 experts"),
        ("kv_heads that neither split over tp nor divide it", {**llama, "heads": 12, "d_model": 768, "kv_heads": 6,
                                                                "tp": 4},
         r"kv_heads 6 neither split over tp 4 nor divide it"),
        ("tp that does not divide heads", {**llama, "tp": 3}, r"heads 4 do not split over tp 3"),
        ("an unknown FFN kind", {**llama, "ffn": "relu"}, r"ffn: 'relu' is not allowed \(allowed: gelu, swiglu\)"),
        ("an unknown norm", {**llama, "norm": "batchnorm"},
         r"norm: 'batchnorm' is not allowed \(allowed: layernorm, rmsnorm\)"),
        ("a missing kv_heads", {k: v for k, v in llama.items() if k != "kv_heads"},
         r"kv_heads: required integer is missing"),
        ("a missing positions", {k: v for k, v in llama.items() if k != "positions"},
         r"positions: required string is missing \(allowed: learned, rope\)"),
        ("a missing expert width", {**mixtral, "moe": {"experts": 4, "top_k": 2}}, r"moe\.ffn_dim: required integer is missing"),
        ("a dense FFN width beside experts", {**mixtral, "ffn_dim": 512},
         r"a mixture-of-experts model has no dense FFN"),
        ("GELU experts", {**mixtral, "ffn": "gelu"}, r"mixture-of-experts layers run SwiGLU experts")):
    path = os.path.join(out, "model_" + re.sub(r"\W+", "_", name) + ".json")
    open(path, "w").write(json.dumps(model))
    expect("model: " + name, [vp, "run", "--system", "neupims", "--model", path, "--batch", "2",
                              "--out", folder("model")], 2, message)
expect("a serving window longer than the model's context",
       [vp, "run", "--system", "neupims", "--model", "llama-tiny", "--batch", "2",
        "--set", "modules.job.workload.max_context=4096", "--out", folder("model")], 2,
       r"modules\.job\.workload\.max_context: 4096 is out of range")
expect("an unknown MoE router", [vp, "run", "--system", "neupims", "--model", "moe-tiny", "--batch", "2",
                                 "--set", "modules.job.system.moe_router=zipf", "--out", folder("model")], 2,
       r"modules\.job\.system\.moe_router: 'zipf' is not allowed \(allowed: gate, uniform, skewed\)")
expect("routing by the router's output in a timing run", [vp, "run", "--system", "neupims", "--model", "moe-tiny",
                                                          "--batch", "2", "--set", "modules.job.system.moe_router=gate",
                                                          "--out", folder("model")], 2,
       r"modules\.job\.system\.moe_router: routing by the model's router output \('gate'\) needs real tokens")

# --- exit status ------------------------------------------------------------------------------------------
expect("a firmware failure", [vp, "run", "--config", config, "--firmware", os.path.join(firmware_dir, "fail_exit.elf"),
                              "--out", folder("fail")], 1, stdout=r"exited with code 3 \(FAIL\)")
short = run([vp, "run", "--config", config, "--firmware", os.path.join(firmware_dir, "fail_exit.elf"), "--out", folder("fail")])
if short is None or not re.search(rb"simulated time\s+0\.0[1-9]|simulated time\s+0\.[1-9]", short.stdout):
    failures.append("a short run reports no simulated time (the CPU's unsynced quantum is left out)")

# --- sweep.py -------------------------------------------------------------------------------------------------
sweeps = folder("sweeps")


def sweep_file(name, content, raw=None):
    path = os.path.join(sweeps, name)
    with open(path, "wb") as f:
        f.write(raw if raw is not None else json.dumps(content).encode())
    return path


base = {"name": "s", "axes": {"system": ["neupims"], "model": ["gpt-tiny"], "batch": [2]}, "layers": 1}
expect("sweep: a name that leaves --out", [sys.executable, sweep_py, "list", sweep_file("esc.json", {**base, "name": "../../x"}),
                                           "--out", sweeps], 2, r"'name' must be a folder name")
model_copy = os.path.join(sweeps, "..model.json")
shutil.copy(os.path.join(source_dir, "configs", "models", "gpt-tiny.json"), model_copy)
listed = expect("sweep: a model path becomes a plain run name",
                [sys.executable, sweep_py, "list", sweep_file("path.json", {**base, "axes": {**base["axes"], "model": [model_copy]}}),
                 "--out", sweeps], 0)
if listed is not None and b"/" in listed.stdout:
    failures.append(f"sweep: a run name holds a path: {listed.stdout!r}")
expect("sweep: a file that is not UTF-8", [sys.executable, sweep_py, "list", sweep_file("bin.json", None, b"{\"name\": \"\xff\"}"),
                                            "--out", sweeps], 2, r"not UTF-8")
expect("sweep: layers that are not a count", [sys.executable, sweep_py, "list", sweep_file("layers.json", {**base, "layers": "two"}),
                                              "--out", sweeps], 2, r"'layers' must be an integer")
expect("sweep: a 'collect' entry that is not a statistic name",
       [sys.executable, sweep_py, "list", sweep_file("collect.json", {**base, "collect": ["npu attention"]}),
        "--out", sweeps], 2, r"'collect' must be a list of statistic names")
bad_key = sweep_file("badkey.json", {**base, "set": {"modules.job.bogus": 1}})
expect("sweep: a bad set key is caught before any run", [sys.executable, sweep_py, "run", bad_key, "--out", sweeps, "--vp", vp], 2,
       r"run gpt-tiny\.2\.neupims: modules\.job\.bogus: unknown key")
if os.path.exists(os.path.join(sweeps, "s")):
    failures.append("sweep: a run folder was created although the sweep was refused")
expect("sweep: a Slurm option that would add a line to the job script",
       [sys.executable, sweep_py, "slurm", sweep_file("opt.json", base), "--out", sweeps, "--vp", vp,
        "--time", "10:00\nrm -rf /"], 2, r'--time "10:00\\nrm -rf /": allowed are letters, digits')
csv_dir = os.path.join(sweeps, "s")
os.makedirs(csv_dir, exist_ok=True)
open(os.path.join(csv_dir, "results.csv"), "w").write("run,axis.system,summary.tokens_per_second\nx,neupims,fast\n")
expect("sweep: a CSV cell that is not a number", [sys.executable, sweep_py, "report", sweep_file("report.json", base), "--out", sweeps], 2,
       r"results\.csv:2: summary\.tokens_per_second is \"fast\", not a number")

# --- serving workloads: one clear error per bad input ------------------------------------------
serving_dir = folder("serving")


def serving(name, extra, pattern):
    expect(f"serving: {name}", [vp, "run", "--check", "--system", "neupims", "--model", "gpt-tiny",
                                "--set", "modules.job.workload.mode=serving", *extra,
                                "--out", os.path.join(serving_dir, "out")], 2, pattern)


def trace_file(name, text):
    path = os.path.join(serving_dir, name)
    with open(path, "w") as f:
        f.write(text)
    return ["--set", "modules.job.workload.arrivals=trace",
            "--set", f"modules.job.workload.arrival_trace={path}"]


header = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
serving("a zero rate", ["--set", "modules.job.workload.rate=0"],
        r"workload\.rate: 0 is out of range \(allowed: 1e-06")
serving("a negative rate", ["--set", "modules.job.workload.rate=-3"], r"workload\.rate: -3 is out of range")
serving("a zero rate scale", ["--set", "modules.job.workload.arrivals=trace",
                              "--set", "modules.job.workload.rate_scale=0"], r"rate_scale: 0 is out of range")
serving("an impossible TTFT SLO", ["--set", "modules.job.slo.ttft_ms=0"], r"slo\.ttft_ms: 0 is out of range")
serving("a negative TPOT SLO", ["--set", "modules.job.slo.tpot_ms=-1"], r"slo\.tpot_ms: -1 is out of range")
serving("a budget below one token", ["--set", "modules.job.system.token_budget=0"],
        r"token_budget: 0 is out of range \(allowed: 1")
serving("an unknown scheduler", ["--set", "modules.job.system.scheduler=fifo"], r"scheduler.*fifo.*orca")
serving("an unknown preemption", ["--set", "modules.job.system.preemption=drop"],
        r"preemption.*drop.*recompute, swap")
serving("a host link without bandwidth", ["--set", "modules.npu.host_link.gbps=0"],
        r"host_link\.gbps: 0 is out of range")
serving("sampling with real tokens", ["--set", "modules.job.system.tokens=true",
                                      "--set", "modules.job.workload.sampling.period=10"],
        r"real tokens need every iteration simulated")
serving("a trace row with a bad timestamp", trace_file("t1.csv", header + "2023-11-16 18:1x:46,3,4\n"),
        r"t1\.csv:2: '2023-11-16 18:1x:46' is not a timestamp")
serving("a trace row with a missing column", trace_file("t2.csv", header + "2023-11-16 18:15:46.1,3\n"),
        r"t2\.csv:2: expected 3 columns, found 2")
serving("a trace row with a negative count", trace_file("t3.csv", header + "2023-11-16 18:15:46.1,-3,4\n"),
        r"t3\.csv:2: '-3' is not a non-negative integer")
serving("a trace row without output", trace_file("t4.csv", header + "2023-11-16 18:15:46.1,3,0\n"),
        r"t4\.csv:2: GeneratedTokens 0")

# --- several devices: one clear error per bad input --------------------------------------------
devices_dir = folder("devices")


def devices(name, extra, pattern):
    expect(f"devices: {name}", [vp, "run", "--check", "--system", "neupims", "--model", "gpt-tiny",
                                *extra, "--out", os.path.join(devices_dir, "out")], 2, pattern)


devices("tp x pp not equal to the devices", ["--set", "devices.count=4", "--set", "modules.job.tp=2"],
        r"tp 2 x pp 1 = 2 devices, but the platform has 4 \(devices\.count\)")
devices("a topology that leaves devices apart",
        ["--set", "devices.count=4", "--set", "modules.job.tp=4",
         "--set", "devices.interconnect.topology=links",
         "--set", "devices.interconnect.links=[[0,1],[2,3]]"],
        r"modules\.net: device 0 cannot reach device 2 \(topology links\)")
devices("a link without bandwidth", ["--set", "devices.count=2", "--set", "modules.job.tp=2",
                                     "--set", "devices.interconnect.gbps=0"],
        r"modules\.net: gbps 0 moves no data")
devices("a link to a device that does not exist",
        ["--set", "devices.count=2", "--set", "modules.job.tp=2",
         "--set", "devices.interconnect.topology=links", "--set", "devices.interconnect.links=[[0,5]]"],
        r"link \[0, 5\] must join two different devices of 0 \.\. 1")
devices("an unknown topology", ["--set", "devices.count=2", "--set", "modules.job.tp=2",
                                "--set", "devices.interconnect.topology=torus"],
        r"topology.*torus.*ring, full, switch, links")
devices("a mirror group that does not divide the devices",
        ["--set", "devices.count=4", "--set", "devices.simulate=mirrored", "--set", "devices.mirror_group=3"],
        r"devices\.mirror_group: 3 does not divide the 4 devices")
devices("mirrors that are not the tensor-parallel peers",
        ["--set", "devices.count=4", "--set", "modules.job.tp=2", "--set", "modules.job.pp=2",
         "--set", "devices.simulate=mirrored", "--set", "devices.mirror_group=4"],
        r"mirror_group: 4 must be tp = 2")
devices("real tokens on mirrored devices",
        ["--set", "devices.count=2", "--set", "modules.job.tp=2", "--set", "devices.simulate=mirrored",
         "--set", "devices.mirror_group=2", "--set", "modules.job.system.tokens=true"],
        r"real tokens need every device's data \(exact\)")
devices("too many devices", ["--set", "devices.count=65"], r"devices\.count: 65 is out of range")
devices("serving on several devices", ["--set", "devices.count=2", "--set", "modules.job.tp=2",
                                       "--set", "modules.job.workload.mode=serving"],
        r"serving workload runs on one device")
serving("trace rows out of order", trace_file("t5.csv", header + "2023-11-16 18:15:46.1,3,4\n"
                                                         "2023-11-16 18:15:45.1,3,4\n"),
        r"t5\.csv:3: timestamp .* is before the previous row's")
serving("a window without arrivals", ["--set", "modules.job.workload.arrivals=trace",
                                      "--set", "modules.job.workload.start_s=99999"],
        r"no request arrives in the window")
serving("a mixture-of-experts model", ["--set", "modules.job.model=../models/moe-tiny.json"],
        r"serving workload runs dense models")

for failure in failures:
    print("FAILED:", failure)
print(f"check_hardening: {cases - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
