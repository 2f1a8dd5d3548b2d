# SPDX-License-Identifier: MIT
"""Debian packages for the real-kernel harness: the cache's location, apt for
the host's suite or a private configuration for another (the host's sources
are never touched), and downloading and unpacking .debs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("CSD_REALKERNEL_CACHE",
                            Path.home() / ".cache" / "csdump-realkernel"))
MIRROR = "http://deb.debian.org/debian"


class Unavailable(Exception):
    """The packages cannot be fetched here (no apt access, no network) and
    nothing is cached: the tests that need them are skipped, not failed."""


def log(msg):
    print(f"[fetch] {msg}", flush=True)


def run(cmd, **kw):
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, check=True, **kw)


def out(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def sudo():
    return [] if os.geteuid() == 0 else ["sudo"]


class Apt:
    """apt for one suite: the host's (suite None) or a private configuration
    under $CACHE/apt/<suite>/ that only this harness uses."""

    def __init__(self, suite, arch="arm64"):
        self.suite = suite
        self.arch = arch  # the foreign architecture the host's apt must know
        self.env = None
        if suite:
            self.dir = CACHE / "apt" / suite
            self.env = dict(os.environ, APT_CONFIG=str(self.dir / "apt.conf"))

    def prepare(self):
        if self.suite is None:
            return ensure_apt_arch(self.arch)
        d = self.dir
        for sub in ("lists/partial", "cache/archives/partial", "etc"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / "status").touch()
        keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
        if not Path(keyring).exists():
            raise Unavailable(f"{keyring} is missing (Debian's debian-archive-keyring)")
        opts = f"[arch=amd64,arm64,armhf signed-by={keyring}]"
        (d / "etc/sources.list").write_text(
            f"deb {opts} {MIRROR} {self.suite} main\n"
            f"deb {opts} {MIRROR} {self.suite}-backports main\n")
        (d / "apt.conf").write_text("\n".join([
            f'Dir::State "{d}";', f'Dir::State::Lists "{d}/lists";',
            f'Dir::State::status "{d}/status";', f'Dir::Cache "{d}/cache";',
            f'Dir::Etc::SourceList "{d}/etc/sources.list";',
            'Dir::Etc::SourceParts "/nonexistent";',
            'APT::Architectures { "amd64"; "arm64"; "armhf"; };',
            'APT::Sandbox::User "root";', ""]))
        try:
            run(["apt-get", "update", "-qq"], env=self.env)
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            raise Unavailable(f"apt cannot update the private {self.suite} lists ({e})") from e

    def out(self, cmd):
        return out(cmd, env=self.env)

    def run(self, cmd, **kw):
        return run(cmd, env=self.env, **kw)


def ensure_apt_arch(arch):
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        raise Unavailable("apt-get update needs root or sudo")
    try:
        archs = out(["dpkg", "--print-foreign-architectures"]).split()
        if arch not in archs:
            run(sudo() + ["dpkg", "--add-architecture", arch])
        run(sudo() + ["apt-get", "update", "-qq"])
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        raise Unavailable(f"apt cannot update its lists ({e})") from e


def versions(apt, pkg):
    """Every version apt knows for pkg (pkg may carry an :arch suffix)."""
    res = subprocess.run(["apt-cache", "madison", pkg], capture_output=True, text=True,
                         env=apt.env)
    return {line.split("|")[1].strip() for line in res.stdout.splitlines() if "|" in line}


def cached_deb(dest, spec):
    """The .deb in dest for spec (name[:arch][=version]), if an earlier run got it."""
    name, _, version = spec.partition("=")
    name, _, arch = name.partition(":")
    version = version.replace(":", "%3a") if version else "*"
    hits = sorted(dest.glob(f"{name}_{version}_{arch or '*'}.deb"))
    return hits[-1] if hits else None


def download(apt, pkgs, dest):
    """apt-get download pkgs (name:arch=version) into dest, skipping those a
    previous (interrupted) run left there; returns the .deb paths."""
    dest.mkdir(parents=True, exist_ok=True)
    have = {spec: cached_deb(dest, spec) for spec in pkgs}
    missing = [spec for spec, deb in have.items() if deb is None]
    if missing:
        try:
            apt.run(["apt-get", "download", "-q"] + missing, cwd=dest, stdout=subprocess.DEVNULL)
        except subprocess.CalledProcessError as e:
            raise Unavailable(f"apt-get download failed ({e})") from e
    debs = []
    for spec in pkgs:
        deb = cached_deb(dest, spec)
        if deb is None:
            sys.exit(f"fetch: apt-get download did not produce {spec}")
        debs.append(deb)
    return debs


def deb_for(debs_dir, name, arch):
    hits = sorted(debs_dir.glob(f"{name}_*_{arch}.deb"))
    if not hits:
        sys.exit(f"fetch: {name} ({arch}) was not downloaded into {debs_dir}")
    return hits[-1]


def extract(deb, dest):
    dest.mkdir(parents=True, exist_ok=True)
    run(["dpkg-deb", "-x", str(deb), str(dest)])
