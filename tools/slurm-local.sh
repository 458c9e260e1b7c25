#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on this machine, for testing sweeps the way they run on a
# real cluster:
#   tools/slurm-local.sh COMMAND [ARGS...]
# starts munged, slurmctld and slurmd (Debian's slurm-wlm and munge) with every file under a
# temporary folder and every daemon on the loopback interface, waits until `sinfo` shows the
# node idle, runs COMMAND with SLURM_CONF pointing at the cluster (so sbatch, squeue, scancel and
# sinfo reach it), and stops everything it started when COMMAND ends, whatever happens. Exits
# with COMMAND's status; 2 when the cluster cannot start (its logs are printed); 77 when this
# machine cannot run one at all (the packages are missing, or not root: CTest counts it skipped).
# Needs root (slurmd runs jobs as the submitting user). NPVP_SLURM_KEEP=1 keeps the folder.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]   (runs COMMAND against a one-node Slurm on localhost)" >&2
  exit 2
fi
for tool in munged slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null || {
    echo "slurm-local: $tool is missing (apt-get install slurm-wlm munge; tools/quickstart.sh does)" >&2
    exit 77
  }
done
if [[ $(id -u) -ne 0 ]]; then
  echo "slurm-local: needs root (slurmd starts jobs as their user)" >&2
  exit 77
fi

dir=$(mktemp -d /tmp/npvp-slurm.XXXXXX)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # Job steps slurmd started and left behind (a cancelled task's processes) end with it.
  pkill -9 -f "slurmstepd.*$dir" 2>/dev/null || true
  [[ ${NPVP_SLURM_KEEP:-0} == 1 ]] && echo "slurm-local: kept $dir" >&2 || rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free ports on the loopback interface for slurmctld and slurmd.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
ports = []
sockets = []
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ports.append(s.getsockname()[1]); sockets.append(s)
print(*ports)')

mkdir -p "$dir"/{state,spool,log,munge}
chmod 700 "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/munged.seed"
for _ in $(seq 50); do [[ -s $dir/munge/munged.pid ]] && break; sleep 0.1; done
pids+=("$(cat "$dir/munge/munged.pid")")

cpus=$(nproc)
cat >"$dir/slurm.conf" <<EOF
ClusterName=npvp-local
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
MaxArraySize=10001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf

slurmctld -f "$SLURM_CONF" -i
for _ in $(seq 100); do [[ -s $dir/slurmctld.pid ]] && break; sleep 0.1; done
[[ -s $dir/slurmctld.pid ]] && pids+=("$(cat "$dir/slurmctld.pid")")
slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 100); do [[ -s $dir/slurmd.pid ]] && break; sleep 0.1; done
[[ -s $dir/slurmd.pid ]] && pids+=("$(cat "$dir/slurmd.pid")")

# Wait until the node is idle (at most 60 s).
state=""
for _ in $(seq 300); do
  state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.2
done
if [[ $state != idle ]]; then
  echo "slurm-local: the node did not become idle (state '${state:-none}'); logs:" >&2
  tail -n 20 "$dir"/log/*.log >&2 || true
  exit 2
fi
echo "slurm-local: one-node cluster up (SLURM_CONF=$SLURM_CONF, partition local, $cpus CPUs)" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
