"""Runs a benchmark script with time.perf_counter replaced by time.process_time, so the
script's own timings print CPU seconds of its process instead of wall time (written for
Ballast's bench/engine.bench.ts: on a loaded machine CPU time compares more stably with
Node's process.cpuUsage than wall time does). Usage: cpu_time.py SCRIPT [ARGS...]."""
import runpy
import sys
import time

time.perf_counter = time.process_time
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
