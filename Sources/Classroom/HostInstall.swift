import BuiltIn
import Foundation
import ProcessRunner

/// Putting virtlab on a student's host over the class's ssh (`class install`): what the host has, the way in that
/// suits it, and the scripts that run there. A host is probed first; the package goes over ssh's standard input;
/// its virtlab must run there before anything is replaced; the Debian package goes in through apt-get (which checks
/// its dependencies before it changes anything) as root or with `sudo -n`, else the tarball to `~/.local`.
public enum HostInstall {
    /// What a host says about itself before anything is sent.
    public struct Probe: Sendable, Equatable {
        public enum Sudo: Sendable, Equatable { case absent, wantsPassword, works }

        public var isRoot = false
        public var hasDpkg = false
        public var sudo = Sudo.absent
        /// `uname -m`.
        public var machine = ""
        /// What `virtlab --version` says there, as class commands find it (nil: none).
        public var installed: String?

        public init(isRoot: Bool = false, hasDpkg: Bool = false, sudo: Sudo = .absent, machine: String = "x86_64",
                    installed: String? = nil) {
            (self.isRoot, self.hasDpkg, self.sudo, self.machine, self.installed) = (isRoot, hasDpkg, sudo, machine, installed)
        }

        /// Reads the probe script's `key=value` lines (unknown lines are ignored: a login banner, a motd).
        public init(parsing output: String) {
            for line in output.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                switch parts[0] {
                case "uid": isRoot = parts[1] == "0"
                case "dpkg": hasDpkg = parts[1] == "yes"
                case "sudo": sudo = parts[1] == "yes" ? .works : .wantsPassword
                case "machine": machine = parts[1]
                case "virtlab": installed = parts[1].isEmpty ? nil : parts[1]
                default: continue
                }
            }
        }

        /// Root rights without a prompt: the login is root, or sudo asks for no password.
        public var canBeRoot: Bool { isRoot || sudo == .works }
    }

    /// Run first on every host: who logs in, dpkg, sudo, the machine, and the virtlab class commands find there.
    public static let probeScript = """
        echo "uid=$(id -u)"
        command -v dpkg-deb >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 && echo dpkg=yes
        if command -v sudo >/dev/null 2>&1; then
            if sudo -n true >/dev/null 2>&1; then echo sudo=yes; else echo sudo=password; fi
        fi
        echo "machine=$(uname -m)"
        v=$(PATH="$PATH:$HOME/.local/bin" virtlab --version 2>/dev/null) && echo "virtlab=$v"
        exit 0
        """

    /// How the package goes onto a host.
    public enum Way: Sendable, Equatable {
        /// The .deb, through apt-get (dpkg where there is no apt-get), as root or with `sudo -n`.
        case debian(sudo: Bool)
        /// The tarball into ~/.local, for the login user alone; `because` says why not the .deb.
        case home(because: String)

        public var summary: String {
            switch self {
            case .debian(let sudo): sudo ? "Debian package, with sudo" : "Debian package"
            case .home(let because): "tarball in ~/.local (\(because))"
            }
        }
    }

    /// The way that suits the host, or why there is none. A host that can be root and has dpkg gets the .deb;
    /// any other gets the tarball in the login's home.
    public static func way(for probe: Probe, hasDebian: Bool, hasTarball: Bool) -> Result<Way, Refusal> {
        guard probe.machine == "x86_64" else {
            return .failure(Refusal("the host is \(probe.machine.isEmpty ? "of an unknown kind" : probe.machine); "
                                    + "the package is for x86_64"))
        }
        if probe.hasDpkg && probe.canBeRoot && hasDebian { return .success(.debian(sudo: !probe.isRoot)) }
        let why = !probe.hasDpkg ? "no dpkg there"
            : !probe.canBeRoot ? (probe.sudo == .wantsPassword ? "sudo wants a password" : "not root, and no sudo")
            : "no .deb given"
        guard hasTarball else {
            return .failure(Refusal("\(why), and no tarball to put in ~/.local instead: give --package "
                                    + "virtlab-\(BuiltIn.version)-linux-x86_64.tar.gz (make dist writes it beside the .deb)"))
        }
        return .success(.home(because: why))
    }

    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// How long one host's install may take (sending the package, apt-get fetching what it depends on).
    public static let installTimeoutSeconds = 900

    /// Receives the package on standard input and installs it the way `$1` says (`debian`, `debian-sudo`,
    /// `home`). Nothing is replaced until the package's own virtlab has run there, so a package built for a newer
    /// system (glibc) is refused with the loader's words and the old virtlab keeps working; apt-get checks the
    /// Depends before it unpacks anything. The last line on standard error says what went wrong.
    public static let installScript = #"""
        t=$(mktemp -d) || exit 1
        trap 'rm -rf "$t"' EXIT
        cat >"$t/virtlab.package" || { echo "cannot receive the package (is the disk full?)" >&2; exit 1; }
        mkdir "$t/new"
        case $1 in
        debian*) mv "$t/virtlab.package" "$t/virtlab.deb" && dpkg-deb -x "$t/virtlab.deb" "$t/new" 2>/dev/null && bin=$t/new/usr/bin/virtlab ;;
        *) tar -C "$t/new" --strip-components=1 -xzf "$t/virtlab.package" 2>/dev/null && bin=$t/new/bin/virtlab ;;
        esac || { echo "the package cannot be unpacked here (damaged on the way?)" >&2; exit 1; }
        if ! said=$("$bin" --version 2>&1); then
            echo "its virtlab does not run here: $(printf '%s\n' "$said" | tail -n 1)" >&2
            exit 1
        fi
        as=
        [ "$1" = debian-sudo ] && as="sudo -n"
        case $1 in
        debian*)
            if command -v apt-get >/dev/null 2>&1; then
                if ! $as env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$t/virtlab.deb" >"$t/log" 2>&1; then
                    echo "apt-get refused it: $(grep -E '^ .* : Depends: |^E: ' "$t/log" | head -n 1 | sed 's/^ *//')" >&2
                    exit 1
                fi
            elif ! $as dpkg -i "$t/virtlab.deb" >"$t/log" 2>&1; then
                echo "dpkg refused it: $(grep -E '^dpkg: ' "$t/log" | head -n 1)" >&2
                exit 1
            fi ;;
        *)
            # The shared files first, the binary last and by rename: the old one runs until the new one is whole.
            d=$HOME/.local
            { mkdir -p "$d/bin" && cp -R "$t/new/share" "$d/" && cp "$bin" "$d/bin/.virtlab.new" &&
              mv -f "$d/bin/.virtlab.new" "$d/bin/virtlab"; } 2>"$t/log" ||
                { echo "cannot write to $d: $(tail -n 1 "$t/log")" >&2; exit 1; }
            ;;
        esac
        """#

    /// Receives a config.yaml on standard input and puts it, whole, where virtlab reads it: the system's file
    /// (`/etc/xdg/virtlab/config.yaml`) with `$1` = `system` (as root, or with `sudo -n` when `$2` = `sudo`), else the
    /// login's own (`$XDG_CONFIG_HOME/virtlab/config.yaml`). Prints the file written.
    public static let configScript = #"""
        t=$(mktemp) || exit 1
        trap 'rm -f "$t"' EXIT
        cat >"$t" || exit 1
        as=
        [ "${2:-}" = sudo ] && as="sudo -n"
        if [ "$1" = system ]; then f=/etc/xdg/virtlab/config.yaml; else f=${XDG_CONFIG_HOME:-$HOME/.config}/virtlab/config.yaml; fi
        { $as mkdir -p "$(dirname "$f")" && $as cp "$t" "$f.new" && $as chmod 0644 "$f.new" && $as mv -f "$f.new" "$f"; } 2>"$t.log" ||
            { echo "cannot write $f: $(tail -n 1 "$t.log")" >&2; rm -f "$t.log"; exit 1; }
        rm -f "$t.log"
        echo "$f"
        """#
}
