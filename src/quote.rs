//! Shell quoting (owned by the quoting/packaging work).
