"""Optional: the Daphne mode's output through systemd-journal-remote, read back with journalctl."""
import shutil


def make(d, logs, log):
    return {}
