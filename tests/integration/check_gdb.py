"""GDB drives a firmware app through neupims-vp's remote stub: break in a function, step, read
variables, single-step an instruction, stop at a write watchpoint with the old and new value,
continue to the exit; a running target stops on ^C and runs on to its end after a detach; and
the run's simulated time and instruction count equal a run without the debugger (time stands
still while the target is halted).

  check_gdb.py VP FIRMWARE_DIR CONFIG OUT"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time

vp, firmware_dir, config, out = sys.argv[1:5]
gdb = shutil.which("gdb-multiarch")
if gdb is None:
    sys.exit("gdb-multiarch is not installed (tools/quickstart.sh installs it)")
elf = os.path.join(firmware_dir, "gdb_demo.elf")
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)


def fail(message):
    print(message)
    sys.exit(1)


def summary(text):
    time = re.search(r"simulated time\s+([0-9.]+) us", text)
    insns = re.search(r"instructions\s+([0-9]+)", text)
    return (time.group(1) if time else None, insns.group(1) if insns else None)


# A free port on the loopback interface (the stub listens there only).
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]

target = subprocess.Popen([vp, "run", "--config", config, "--firmware", elf, "--gdb", str(port),
                           "--out", os.path.join(out, "debugged")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# Wait until the stub listens (it says so on stderr before it accepts).
line = target.stderr.readline()
if "waiting for the debugger" not in line:
    target.kill()
    fail(f"the stub did not start: {line}")

script = f"""set pagination off
set confirm off
target remote 127.0.0.1:{port}
break accumulate
continue
next
next
info locals
print upto
print/x $pc
stepi
print/x $pc
delete
watch gdb_demo_total
continue
delete
continue
"""
script_file = os.path.join(out, "session.gdb")
with open(script_file, "w") as f:
    f.write(script)
session = subprocess.run([gdb, "--batch", "-nx", "-x", script_file, elf], capture_output=True,
                         text=True, timeout=120)
try:
    stdout, stderr = target.communicate(timeout=60)
except subprocess.TimeoutExpired:
    target.kill()
    fail(f"the run did not end after the debugger's last continue\n{session.stdout}{session.stderr}")
transcript = session.stdout + session.stderr
print(transcript)

expected = [
    (r"Breakpoint 1, accumulate \(upto=upto@entry=10\)", "stops at the breakpoint in accumulate()"),
    (r"\n13\s+gdb_demo_total \+= sum;", "next steps to the line that writes the global"),
    (r"sum = 55", "reads the local after the loop (1 + ... + 10)"),
    (r"\$1 = 10", "reads the argument"),
    (r"Hardware watchpoint 2: gdb_demo_total", "sets the write watchpoint"),
    (r"Old value = 55\s+New value = 265", "stops at the next write with the old and new value (55 + 210)"),
    (r"exited normally", "continues to the firmware's exit"),
]
for pattern, what in expected:
    if not re.search(pattern, transcript):
        fail(f"GDB session: {what}: /{pattern}/ not found")
pcs = re.findall(r"\$[23] = (0x[0-9a-f]+)", transcript)
if len(pcs) != 2 or pcs[0] == pcs[1]:
    fail(f"stepi did not move the pc by one instruction: {pcs}")
if target.returncode != 0 or "gdb_demo: last sum 820, total 1550" not in stdout:
    fail(f"the debugged run: exit {target.returncode}\n{stdout}\n{stderr}")

plain = subprocess.run([vp, "run", "--config", config, "--firmware", elf, "--out",
                        os.path.join(out, "plain")], capture_output=True, text=True)
if summary(plain.stdout) != summary(stdout) or None in summary(stdout):
    fail(f"simulated time and instructions differ with the debugger: {summary(stdout)} "
         f"against {summary(plain.stdout)}")

# Interrupt while running and detach, in the remote protocol itself (a batch GDB cannot type
# ^C): continue iss_loop, send 0x03, expect a SIGINT stop, read pc, detach; the run then ends.
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
looping = subprocess.Popen([vp, "run", "--config", config, "--firmware", os.path.join(firmware_dir, "iss_loop.elf"),
                            "--gdb", str(port), "--out", os.path.join(out, "interrupted")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
looping.stderr.readline()
link = socket.create_connection(("127.0.0.1", port), timeout=60)


def packet(body):
    link.sendall(f"${body}#{sum(body.encode()) & 0xFF:02x}".encode())
    data = b""
    while b"#" not in data or len(data.rsplit(b"#", 1)[1]) < 2:
        data += link.recv(4096)
    return data.decode().lstrip("+").split("#")[0].lstrip("$")


if packet("?") != "S05":
    fail("the stub does not report the initial stop")
link.sendall(b"$c#63")
time.sleep(0.3)
link.sendall(b"\x03")
data = b""
while b"#" not in data or len(data.rsplit(b"#", 1)[1]) < 2:
    data += link.recv(4096)
if "S02" not in data.decode():
    fail(f"^C did not stop the running target: {data!r}")
pc = packet("p20")
if len(pc) != 8:
    fail(f"pc after ^C: {pc!r}")
if packet("D") != "OK":
    fail("detach was not acknowledged")
link.close()
rest, _ = looping.communicate(timeout=120)
if looping.returncode != 0 or "exited with code 0" not in rest:
    fail(f"the run did not go on to its end after the detach: exit {looping.returncode}")
print(f"check_gdb: 8 checks of the session passed; simulated time and instructions "
      f"{summary(stdout)} as without the debugger; ^C stopped a running target, detach let it finish")
