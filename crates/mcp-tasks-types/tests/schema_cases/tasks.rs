use crate::harness::Cases;

pub fn cases(_c: &mut Cases) {}
