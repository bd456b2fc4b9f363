#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcp_tasks_fuzz::sse::check(data));
