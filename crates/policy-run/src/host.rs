//! What the host gives a waPC guest built for wasm32-wasip1: the `wapc` imports (the request
//! in, the response or error out, calls to host capabilities) and the few
//! `wasi_snapshot_preview1` functions Rust's standard library links in.
//!
//! The waPC side follows the protocol of `wapc-guest` 1.2 (the guest) and `wapc` 2.x (the
//! host policy-server uses): `__guest_call(op_len, req_len)` asks for the operation and
//! payload with `__guest_request(op_ptr, ptr)`, answers with `__guest_response` or
//! `__guest_error`, and returns 1 for success, 0 for failure. A guest calls its host with
//! `__host_call(binding, namespace, operation, payload)` (1 for success) and reads the answer
//! with `__host_response_len`/`__host_response` or `__host_error_len`/`__host_error`.
//!
//! The WASI side is an honest minimum: no environment variables, output on descriptors 1 and
//! 2 goes to this process's stderr (stdout is for the verdicts), every other descriptor is
//! refused with `EBADF`, random bytes come from the operating system (as wasmtime's WASI gives
//! them to policy-server), and `proc_exit` ends the call with its status.

use std::io::Write;
use std::ops::Range;
use std::sync::Arc;
use wasmi::{Caller, Error, Extern, Linker};

/// A host capability: (binding, namespace, operation, payload) → answer or error text.
pub type HostFn = dyn Fn(&str, &str, &str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync;

/// What `__host_call` answers when the caller gave no host capabilities.
pub const NO_HOST: &str = "no host capabilities in policy-run";

/// The state of one waPC call, kept in the store of its instance.
pub struct Call {
    /// Operation and payload, given to the guest by `__guest_request`; `None` during
    /// initialisation, as in waPC's host.
    pub request: Option<(Vec<u8>, Vec<u8>)>,
    pub response: Option<Vec<u8>>,
    pub error: Option<String>,
    host: Option<Arc<HostFn>>,
    host_response: Option<Vec<u8>>,
    host_error: Option<String>,
}

impl Call {
    pub fn new(host: Option<Arc<HostFn>>) -> Call {
        Call {
            request: None,
            response: None,
            error: None,
            host,
            host_response: None,
            host_error: None,
        }
    }
}

// WASI error numbers (wasi_snapshot_preview1 `errno`).
const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EIO: i32 = 29;

/// A linker with every import this host provides.
pub fn linker(engine: &wasmi::Engine) -> Result<Linker<Call>, String> {
    let mut l = Linker::<Call>::new(engine);
    define(&mut l).map_err(|e| format!("cannot define the host functions: {e}"))?;
    Ok(l)
}

fn define(l: &mut Linker<Call>) -> Result<(), wasmi::errors::LinkerError> {
    const WAPC: &str = "wapc";
    l.func_wrap(
        WAPC,
        "__guest_request",
        |mut c: Caller<'_, Call>, op_ptr: i32, ptr: i32| -> Result<(), Error> {
            if let Some((op, payload)) = c.data_mut().request.take() {
                write(&mut c, ptr, &payload)?;
                write(&mut c, op_ptr, &op)?;
                c.data_mut().request = Some((op, payload));
            }
            Ok(())
        },
    )?;
    l.func_wrap(
        WAPC,
        "__guest_response",
        |mut c: Caller<'_, Call>, ptr: i32, len: i32| -> Result<(), Error> {
            let bytes = read(&c, ptr, len)?;
            c.data_mut().response = Some(bytes);
            Ok(())
        },
    )?;
    l.func_wrap(
        WAPC,
        "__guest_error",
        |mut c: Caller<'_, Call>, ptr: i32, len: i32| -> Result<(), Error> {
            let text = String::from_utf8_lossy(&read(&c, ptr, len)?).into_owned();
            c.data_mut().error = Some(text);
            Ok(())
        },
    )?;
    l.func_wrap(
        WAPC,
        "__console_log",
        |c: Caller<'_, Call>, ptr: i32, len: i32| -> Result<(), Error> {
            let text = read(&c, ptr, len)?;
            eprintln!("guest: {}", String::from_utf8_lossy(&text));
            Ok(())
        },
    )?;
    l.func_wrap(
        WAPC,
        "__host_call",
        |mut c: Caller<'_, Call>,
         bd_ptr: i32,
         bd_len: i32,
         ns_ptr: i32,
         ns_len: i32,
         op_ptr: i32,
         op_len: i32,
         ptr: i32,
         len: i32|
         -> Result<i32, Error> {
            let text = |c: &Caller<'_, Call>, p, n| {
                String::from_utf8(read(c, p, n)?)
                    .map_err(|e| Error::new(format!("__host_call: not UTF-8: {e}")))
            };
            let binding = text(&c, bd_ptr, bd_len)?;
            let namespace = text(&c, ns_ptr, ns_len)?;
            let operation = text(&c, op_ptr, op_len)?;
            let payload = read(&c, ptr, len)?;
            let answer = match &c.data().host {
                Some(host) => host(&binding, &namespace, &operation, &payload),
                None => Err(NO_HOST.to_string()),
            };
            let call = c.data_mut();
            call.host_response = None;
            call.host_error = None;
            Ok(match answer {
                Ok(bytes) => {
                    call.host_response = Some(bytes);
                    1
                }
                Err(e) => {
                    call.host_error = Some(e);
                    0
                }
            })
        },
    )?;
    l.func_wrap(WAPC, "__host_response_len", |c: Caller<'_, Call>| {
        c.data()
            .host_response
            .as_ref()
            .map_or(0, |r| r.len() as i32)
    })?;
    l.func_wrap(
        WAPC,
        "__host_response",
        |mut c: Caller<'_, Call>, ptr: i32| -> Result<(), Error> {
            if let Some(bytes) = c.data_mut().host_response.take() {
                write(&mut c, ptr, &bytes)?;
                c.data_mut().host_response = Some(bytes);
            }
            Ok(())
        },
    )?;
    l.func_wrap(WAPC, "__host_error_len", |c: Caller<'_, Call>| {
        c.data().host_error.as_ref().map_or(0, |e| e.len() as i32)
    })?;
    l.func_wrap(
        WAPC,
        "__host_error",
        |mut c: Caller<'_, Call>, ptr: i32| -> Result<(), Error> {
            if let Some(text) = c.data_mut().host_error.take() {
                write(&mut c, ptr, text.as_bytes())?;
                c.data_mut().host_error = Some(text);
            }
            Ok(())
        },
    )?;

    const WASI: &str = "wasi_snapshot_preview1";
    l.func_wrap(
        WASI,
        "random_get",
        |mut c: Caller<'_, Call>, ptr: i32, len: i32| -> Result<i32, Error> {
            let memory = memory(&c)?;
            let Some(buf) = memory.data_mut(&mut c).get_mut(range(ptr, size(len))) else {
                return Ok(EFAULT);
            };
            Ok(if getrandom::fill(buf).is_ok() {
                SUCCESS
            } else {
                EIO
            })
        },
    )?;
    // No environment: zero variables, zero bytes.
    l.func_wrap(
        WASI,
        "environ_sizes_get",
        |mut c: Caller<'_, Call>, count_ptr: i32, size_ptr: i32| -> Result<i32, Error> {
            Ok(
                if put_u32(&mut c, count_ptr, 0)? && put_u32(&mut c, size_ptr, 0)? {
                    SUCCESS
                } else {
                    EFAULT
                },
            )
        },
    )?;
    l.func_wrap(
        WASI,
        "environ_get",
        |_: Caller<'_, Call>, _environ: i32, _buf: i32| SUCCESS,
    )?;
    l.func_wrap(
        WASI,
        "fd_write",
        |mut c: Caller<'_, Call>,
         fd: i32,
         iovs: i32,
         iovs_len: i32,
         nwritten: i32|
         -> Result<i32, Error> {
            if fd != 1 && fd != 2 {
                return Ok(EBADF);
            }
            let Some(bytes) = gather(&c, iovs, iovs_len)? else {
                return Ok(EFAULT);
            };
            if std::io::stderr().write_all(&bytes).is_err() {
                return Ok(EIO);
            }
            Ok(if put_u32(&mut c, nwritten, bytes.len() as u32)? {
                SUCCESS
            } else {
                EFAULT
            })
        },
    )?;
    l.func_wrap(
        WASI,
        "proc_exit",
        |_: Caller<'_, Call>, status: i32| -> Result<(), Error> { Err(Error::i32_exit(status)) },
    )?;
    Ok(())
}

fn memory(c: &Caller<'_, Call>) -> Result<wasmi::Memory, Error> {
    c.get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::new("the guest exports no memory"))
}

/// Guest pointers and lengths are unsigned 32-bit numbers carried in `i32`s.
fn size(n: i32) -> usize {
    n as u32 as usize
}

fn range(ptr: i32, len: usize) -> Range<usize> {
    size(ptr)..size(ptr) + len
}

/// Bytes of the guest's memory; a range outside it traps the guest.
fn read(c: &Caller<'_, Call>, ptr: i32, len: i32) -> Result<Vec<u8>, Error> {
    memory(c)?
        .data(c)
        .get(range(ptr, size(len)))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| Error::new("the guest passed a range outside its memory"))
}

fn write(c: &mut Caller<'_, Call>, ptr: i32, bytes: &[u8]) -> Result<(), Error> {
    memory(c)?
        .data_mut(c)
        .get_mut(range(ptr, bytes.len()))
        .ok_or_else(|| Error::new("the guest passed a range outside its memory"))?
        .copy_from_slice(bytes);
    Ok(())
}

/// Writes a little-endian `u32`; false when the place is outside the guest's memory.
fn put_u32(c: &mut Caller<'_, Call>, ptr: i32, value: u32) -> Result<bool, Error> {
    let memory = memory(c)?;
    Ok(match memory.data_mut(c).get_mut(range(ptr, 4)) {
        Some(place) => {
            place.copy_from_slice(&value.to_le_bytes());
            true
        }
        None => false,
    })
}

/// The bytes of a WASI `ciovec` array (pairs of pointer and length); `None` when any part
/// lies outside the guest's memory.
fn gather(c: &Caller<'_, Call>, iovs: i32, count: i32) -> Result<Option<Vec<u8>>, Error> {
    let memory = memory(c)?;
    let data = memory.data(c);
    let Some(table) = data.get(range(iovs, size(count) * 8)) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for iov in table.chunks_exact(8) {
        let word = |at: usize| i32::from_le_bytes([iov[at], iov[at + 1], iov[at + 2], iov[at + 3]]);
        match data.get(range(word(0), size(word(4)))) {
            Some(bytes) => out.extend_from_slice(bytes),
            None => return Ok(None),
        }
    }
    Ok(Some(out))
}
