//! One moto server per test, on a free loopback port, from the project's virtualenv.

use anyhow::{Context, Result, bail};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running moto server. Killed when dropped.
pub struct Emulator {
    pub port: u16,
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
    child: Child,
}

/// The workspace root (where `.venv` and `scripts/` live).
///
/// Found at run time from the manifest directory cargo gives the running test, not the one
/// compiled in: CI keeps its build cache outside the clone, and a cached test binary must
/// look at the clone it is testing, not at the one that happened to build it.
pub fn workspace_root() -> PathBuf {
    let start =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    start
        .ancestors()
        .find(|dir| dir.join("scripts/install-moto.sh").is_file())
        .unwrap_or_else(|| panic!("no workspace root (with scripts/install-moto.sh) above {}", start.display()))
        .to_path_buf()
}

/// The moto_server executable, installing the pinned emulator first when it is missing or its
/// pin changed. The installer runs once per test process (it is a quick check when all is in
/// place, and it takes a lock, so test processes running side by side do not race).
pub fn moto_server() -> Result<PathBuf> {
    static INSTALLED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    INSTALLED.get_or_init(|| install().map_err(|e| format!("{e:#}"))).clone().map_err(|e| anyhow::anyhow!(e))
}

fn install() -> Result<PathBuf> {
    let root = workspace_root();
    let script = root.join("scripts/install-moto.sh");
    let status =
        Command::new(&script).stdin(Stdio::null()).status().with_context(|| format!("running {}", script.display()))?;
    if !status.success() {
        bail!("{} failed ({status})", script.display());
    }
    let bin = root.join(".venv/bin/moto_server");
    if !bin.exists() {
        bail!("{} did not install {}", script.display(), bin.display());
    }
    Ok(bin)
}

/// A port nothing listens on right now (the OS picks it).
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Emulator {
    pub fn start() -> Result<Self> {
        Self::spawn(false)
    }

    /// An emulator that can enforce IAM (`scripts/moto-iam-server.py`): every request runs
    /// unchecked until [`Emulator::enforce_iam_from_now`], so a test sets up its users first.
    pub fn start_with_iam() -> Result<Self> {
        Self::spawn(true)
    }

    /// From the next request on, every request must carry an existing access key whose user's
    /// policies allow the action.
    pub fn enforce_iam_from_now(&self) -> Result<()> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        s.write_all(b"POST /moto-api/reset-auth HTTP/1.0\r\nHost: localhost\r\nContent-Length: 1\r\n\r\n0")?;
        let mut answer = String::new();
        s.read_to_string(&mut answer)?;
        if !answer.starts_with("HTTP/1.0 200") && !answer.starts_with("HTTP/1.1 200") {
            bail!("moto refused to enforce IAM: {answer}");
        }
        Ok(())
    }

    fn spawn(with_iam: bool) -> Result<Self> {
        let bin = moto_server()?;
        let root = workspace_root();
        // Two tests can race for the same free port: retry with a new one.
        let mut last_err = None;
        for _ in 0..5 {
            let port = free_port()?;
            let mut command = if with_iam {
                let mut c = Command::new(root.join(".venv/bin/python"));
                c.arg(root.join("scripts/moto-iam-server.py"));
                c
            } else {
                Command::new(&bin)
            };
            let child = command
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                // AWS managed policies (e.g. AWSGlueServiceRole for the crawler roles) exist in
                // every account; moto only knows them when asked to load them.
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?;
            let mut emu = Emulator { port, endpoint: format!("http://127.0.0.1:{port}"), child };
            match emu.wait_ready(Duration::from_secs(30)) {
                Ok(()) => return Ok(emu),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow::anyhow!("moto did not start")))
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(status) = self.child.try_wait()? {
                bail!("moto_server exited early ({status})");
            }
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                if s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: localhost\r\n\r\n").is_ok() {
                    let mut buf = [0u8; 12];
                    if s.read(&mut buf).map(|n| n > 0).unwrap_or(false) {
                        return Ok(());
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("moto_server did not answer on port {} within {timeout:?}", self.port)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_and_stops_an_emulator() {
        let emu = Emulator::start().expect("moto starts");
        let port = emu.port;
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        drop(emu);
        std::thread::sleep(Duration::from_millis(200));
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "port closed after drop");
    }
}
