"""tally.py: counts of the checks an integration checker makes.

ok() and fail() print "ok: ..." / "FAIL: ..." lines (ok lines only when
not quiet); end() prints "counts PASSED FAILED", which common.sh reads,
and returns the exit status.
"""


class Tally:
    def __init__(self, quiet=False):
        self.passed = 0
        self.failed = 0
        self.quiet = quiet

    def ok(self, msg, quiet=None):
        self.passed += 1
        if not (self.quiet if quiet is None else quiet):
            print("ok: " + msg)

    def fail(self, msg):
        self.failed += 1
        print("FAIL: " + msg)

    def end(self):
        print("counts %d %d" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1
