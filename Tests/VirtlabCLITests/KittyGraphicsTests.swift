import Foundation
import Testing
import TestSupport
import TestTags

/// The dashboard in a terminal that says it draws pictures (kitty's KITTY_WINDOW_ID): the screen view sends the VM's
/// screen as a PNG in kitty graphics commands at the cells it covers, and takes it off when closed. Driven through a
/// pseudo-terminal by a short Python script (tmux keeps such commands to itself), on libvirt's test driver, whose
/// domain has a screen.
@Suite(.tags(.pure)) struct KittyGraphicsTests {
    static let script = #"""
import base64, fcntl, os, re, select, struct, subprocess, sys, termios, time
binary = sys.argv[1]
master, slave = os.openpty()
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8", KITTY_WINDOW_ID="1", NO_COLOR="")
def child():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
proc = subprocess.Popen([binary, "--uri", "test:///default"], stdin=slave, stdout=slave, stderr=slave, env=env,
                        preexec_fn=child, close_fds=True)
os.close(slave)
seen = b""
def wait_for(pattern, seconds=60):
    global seen
    deadline = time.time() + seconds
    while time.time() < deadline:
        if re.search(pattern, seen, re.S):
            return True
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return bool(re.search(pattern, seen, re.S))
ok = wait_for(rb"Virtual machines")
print("DASHBOARD" if ok else "NO-DASHBOARD")
wait_for(rb"test/hvm"); os.write(master, b"v")  # once its details are read, as a person would
shown = wait_for(rb"\x1b_Ga=T,f=100,i=1,c=\d+,r=\d+,C=1,q=2,m=(0;|1;.*?\x1b_Gm=0,q=2;).*?\x1b\\")
print("SHOWN" if shown else "NOT-SHOWN")
if shown:
    command = re.search(rb"\x1b_Ga=T,f=100,i=1,c=(\d+),r=(\d+),C=1,q=2,m=(\d);(.*?)\x1b\\", seen, re.S)
    payload = command.group(4)
    # A single chunk (the test driver's grey 1120x832 PNG is small) or the first of several.
    rest = re.findall(rb"\x1b_Gm=\d,q=2;(.*?)\x1b\\", seen[command.end():], re.S)
    data = base64.b64decode(payload + b"".join(rest))
    print("PNG" if data[:8] == b"\x89PNG\r\n\x1a\n" else "NOT-PNG", int(command.group(1)), int(command.group(2)))
mark = len(seen)
os.write(master, b"\x1b")
deleted = wait_for(rb"\x1b_Ga=d,d=I,i=1,q=2\x1b\\")
print("DELETED" if deleted else "NOT-DELETED")
os.write(master, b"q")
try:
    proc.wait(timeout=30)
except subprocess.TimeoutExpired:
    proc.kill()
print("EXIT", proc.returncode)
"""#

    @Test func theScreenViewSendsThePictureToATerminalThatDrawsIt() async throws {
        let result = try await Run.command(["python3", "-c", Self.script, Run.virtlabBinary])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "DASHBOARD" && lines.contains("SHOWN"), "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("PNG ") }, "the data is the screen as a PNG: \(result.stdout)")
        #expect(lines.contains("DELETED") && lines.last == "EXIT 0", "\(result.stdout)")
    }
}
