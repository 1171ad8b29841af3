//! policy.wasm's answers from `wasm-oracle` (e2e-tests), a process of its own, so that the
//! fuzz targets' instrumented build does not include wasmtime. See that program for the
//! protocol.

use std::io::{BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// One answer of policy.wasm: which instance gave it, and the bytes or why there are none.
pub struct Answer {
    pub which: String,
    pub answer: Result<Vec<u8>, String>,
}

pub struct Oracle {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
}

fn read_bytes(r: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let mut out = vec![0; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut out)?;
    Ok(out)
}

impl Oracle {
    /// Starts `$WASM_ORACLE`, else the repository's `target/debug/wasm-oracle` (fuzz/run.sh
    /// builds it), with these arguments, and waits until it has compiled the module (it
    /// reads `$POLICY_WASM`).
    pub fn spawn(args: &[&str]) -> Result<Oracle, String> {
        let program = std::env::var_os("WASM_ORACLE").map(PathBuf::from).unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/wasm-oracle")
        });
        let mut child = Command::new(&program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e} (fuzz/run.sh builds it)", program.display()))?;
        let to = child.stdin.take().expect("piped");
        let mut from = BufReader::new(child.stdout.take().expect("piped"));
        let mut ready = [0u8; 1];
        from.read_exact(&mut ready)
            .map_err(|e| format!("{} did not start: {e} (its error is above)", program.display()))?;
        Ok(Oracle { child, to, from })
    }

    /// policy.wasm's answers to a `validate` payload.
    pub fn answers(&mut self, payload: &[u8]) -> Result<Vec<Answer>, String> {
        let io = |e: std::io::Error| format!("wasm-oracle stopped answering: {e}");
        let len = u32::try_from(payload.len()).map_err(|_| "payload too large".to_string())?;
        self.to.write_all(&len.to_le_bytes()).map_err(io)?;
        self.to.write_all(payload).map_err(io)?;
        self.to.flush().map_err(io)?;
        let mut count = [0u8; 4];
        self.from.read_exact(&mut count).map_err(io)?;
        let mut out = Vec::new();
        for _ in 0..u32::from_le_bytes(count) {
            let mut status = [0u8; 1];
            self.from.read_exact(&mut status).map_err(io)?;
            let which = String::from_utf8_lossy(&read_bytes(&mut self.from).map_err(io)?).into_owned();
            let body = read_bytes(&mut self.from).map_err(io)?;
            let answer = match status[0] {
                0 => Ok(body),
                _ => Err(String::from_utf8_lossy(&body).into_owned()),
            };
            out.push(Answer { which, answer });
        }
        Ok(out)
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
