//! `tekton-buildah-lint`: the policy's rules over Tekton YAML files, for CI.

use libmimalloc_sys as mi;
use std::ffi::c_void;
use tekton_buildah_lint::alloc::{Dispatch, Malloc};

/// The analysis allocates many small, short-lived values (words, fields, invocations); on
/// the corpus, glibc's malloc and free were about a quarter of the CLI's instructions.
struct Mimalloc;

// SAFETY: mimalloc's functions meet the contract. Its size classes above 8 bytes are
// multiples of 16 bytes and every such block is 16-byte aligned (`MI_MAX_ALIGN_SIZE`; its
// own aligned entry points skip the alignment work for these, `mi_malloc_is_naturally_aligned`),
// blocks of 8 bytes or less are 8-byte aligned, and `mi_free` frees blocks from any entry point.
unsafe impl Malloc for Mimalloc {
    const BLOCK_ALIGN: usize = 16;
    unsafe fn malloc(&self, size: usize) -> *mut u8 {
        unsafe { mi::mi_malloc(size) as *mut u8 }
    }
    unsafe fn zalloc(&self, size: usize) -> *mut u8 {
        unsafe { mi::mi_zalloc(size) as *mut u8 }
    }
    unsafe fn malloc_aligned(&self, size: usize, align: usize) -> *mut u8 {
        unsafe { mi::mi_malloc_aligned(size, align) as *mut u8 }
    }
    unsafe fn zalloc_aligned(&self, size: usize, align: usize) -> *mut u8 {
        unsafe { mi::mi_zalloc_aligned(size, align) as *mut u8 }
    }
    unsafe fn realloc(&self, ptr: *mut u8, size: usize) -> *mut u8 {
        unsafe { mi::mi_realloc(ptr as *mut c_void, size) as *mut u8 }
    }
    unsafe fn realloc_aligned(&self, ptr: *mut u8, size: usize, align: usize) -> *mut u8 {
        unsafe { mi::mi_realloc_aligned(ptr as *mut c_void, size, align) as *mut u8 }
    }
    unsafe fn free(&self, ptr: *mut u8) {
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }
}

#[global_allocator]
static ALLOCATOR: Dispatch<Mimalloc> = Dispatch(Mimalloc);

// mimalloc's option setter, and the number of `mi_option_purge_delay` in the v2 series
// (mimalloc.h's `mi_option_t`; the version is pinned in Cargo.lock).
unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() -> std::process::ExitCode {
    // A run lasts milliseconds: memory freed is better kept for reuse than handed back to
    // the system (10 ms later by default, and all of it at exit), which cost a few hundred
    // microseconds of system calls per run.
    // SAFETY: setting an option has no precondition; unknown options are ignored.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    tekton_buildah_lint::main()
}
