/**
 * Every CLI the tests start as a child process inherits this environment. The verification
 * deadline (GX_VERIFY_DEADLINE_MS, 5 s by default) protects a server from slow peers; on a busy
 * CI machine a cold CLI process can need longer than that for its first Data Integrity
 * verification, which would then say CHECK_NOT_RUN. Tests of the deadline itself set their own.
 */
process.env.GX_VERIFY_DEADLINE_MS ??= '60000';
