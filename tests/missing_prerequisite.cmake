# Run by a test whose prerequisite was not found at configure time:
#   cmake -DTEST=name -DWHY=text -P missing_prerequisite.cmake
# fails with the reason, so a missing tool turns a run red instead of
# making its tests silently disappear.
message(FATAL_ERROR "${TEST}: ${WHY}; install it (scripts/install-deps.sh) and configure again")
