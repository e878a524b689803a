# cvoip: build, test, fuzz, bench. `make help` lists the targets.
CC      ?= cc
CLANG   ?= clang
CXX     ?= g++
WARN    := -Wall -Wextra -Werror -pedantic
CFLAGS  ?= -O2 -g
STD     ?= -std=c99
B       := build
HEADERS := $(wildcard *.h)
TESTS   := $(wildcard tests/*.c)
FUZZ_SECONDS ?= 60
FUZZERS := $(filter-out main,$(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c)))
EXAMPLES := $(patsubst examples/%.c,$(B)/%,$(wildcard examples/*.c))
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
PREFIX  ?= /usr/local

.PHONY: all deps-build deps-demo examples test test-sipmsg test-rtpstat test-plain test-san test-openssl test-tshark test-sipp test-sipua test-sipp-sipua test-interop test-sipd fuzz bench amalgamation install demo deps-test help clean

all: examples

help:
	@echo "make            examples into $(B)/"
	@echo "make test       all tests (gcc), then again under clang ASan+UBSan"
	@echo "make fuzz       every fuzz target for FUZZ_SECONDS (default 60)"
	@echo "make bench      SIP parser vs sofia-sip, osip2, libre; RTP/RTCP/receive path vs oRTP, libre; sipd vs kamailio, rtpengine"
	@echo "make amalgamation  all headers in one TU: gcc/clang, C99/C11, C++"
	@echo "make install PREFIX=...  headers and cvoip.pc"
	@echo "make demo       the main job (see README)"

examples: $(EXAMPLES)

# Per-example libraries (tools may use Debian libraries; the headers never do)
LIBS_rtpstat := -lpcap
LIBS_sipua := -lsndfile -lm
LIBS_sipd := -lpcap -lsndfile -lssl -lcrypto

$(B)/%: examples/%.c examples/example_net.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -I. $< -o $@ $(LIBS_$*)

# --- tests: one Criterion binary with every tests/*.c ---------------------
test: deps-test test-sipmsg test-rtpstat test-plain test-san test-openssl test-tshark test-sipp test-sipua test-sipp-sipua test-sipd test-interop

test-sipmsg: $(B)/sipmsg
	@echo "== sipmsg on the corpus"
	@sh tests/sipmsg.sh

deps-test:
	@sh scripts/deps.sh test

deps-build:
	@sh scripts/deps.sh build

deps-demo:
	@sh scripts/deps.sh build demo

$(B)/tests: $(TESTS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -Wno-overlength-strings -I. $(TESTS) -o $@ -lcriterion -lm

$(B)/san/tests: $(TESTS) $(HEADERS)
	@mkdir -p $(@D)
	$(CLANG) $(STD) -O1 -g $(SAN) -DRTP_USE_SRTP $(WARN) -Wno-overlength-strings -I. $(TESTS) -o $@ -lcriterion -lsrtp2 -lcrypto -lm

test-plain: $(B)/tests
	@echo "== tests (gcc $(STD))"
	cd tests && ../$(B)/tests --jobs 2

# the same tests with the optional libraries: OpenSSL's hashes (and TLS),
# libsrtp2, and the scalar scanners (no SSE2)
$(B)/tests-openssl: $(TESTS) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) -DSIP_USE_OPENSSL -DSIP_NO_SIMD -DRTP_USE_SRTP $(WARN) -Wno-overlength-strings -I. $(TESTS) -o $@ -lcriterion -lsrtp2 -lssl -lcrypto -lm

test-openssl: $(B)/tests-openssl
	@echo "== tests (gcc, SIP_USE_OPENSSL, RTP_USE_SRTP, SIP_NO_SIMD)"
	cd tests && ../$(B)/tests-openssl --jobs 2

test-rtpstat: $(B)/rtpstat
	@echo "== rtpstat on the capture corpus"
	@sh tests/rtpstat.sh

test-sipp: $(B)/sipecho
	@echo "== SIPp drives sipecho over UDP, TCP and UDP with 10 % loss"
	@sh tests/sipp.sh

test-sipua: $(B)/sipua
	@echo "== sipua calls sipua over UDP and TCP (audio, DTMF, hold, MESSAGE)"
	@sh tests/sipua.sh

test-sipp-sipua: $(B)/sipua
	@echo "== SIPp against sipua as UAS and as UAC (auth, CANCEL, 486, hold, 491)"
	@sh tests/sipp_sipua.sh

# Debian's baresip and linphonec call each other through sipd; SIPVicious
# scans it (about 90 s together)
test-interop: $(B)/sipd
	@sh scripts/deps.sh interop
	@echo "== baresip and linphonec register, call and talk through sipd"
	@bash tests/interop.sh
	@echo "== SIPVicious against sipd: svmap, no user enumeration, svcrack slowed"
	@bash tests/sipvicious.sh

test-sipd: $(B)/sipd
	@echo "== SIPp against sipd: digest REGISTER, calls, 486, CANCEL, forking, 1000 calls at 50/s, 10 % loss; TCP/TLS/WS/WSS"
	@sh tests/sipd.sh

test-tshark:
	@echo "== tshark decodes every RTP/RTCP/feedback packet we build"
	@sh tests/tshark.sh

test-san: $(B)/san/tests
	@echo "== tests (clang, ASan+UBSan, RTP_USE_SRTP)"
	cd tests && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ../$(B)/san/tests --jobs 2

# --- fuzzing: libFuzzer targets, each on a copy of its seed corpus --------
fuzz: $(patsubst %,$(B)/fuzz/%,$(FUZZERS))
	@sh scripts/deps.sh fuzz
	@set -e; for f in $(FUZZERS); do \
	    echo "== fuzz $$f ($(FUZZ_SECONDS)s)"; \
	    rm -rf $(B)/fuzz/$$f.corpus; mkdir -p $(B)/fuzz/$$f.corpus; \
	    cp fuzz/corpus/$$f/* $(B)/fuzz/$$f.corpus/ 2>/dev/null || true; \
	    dict=""; [ -f fuzz/$$f.dict ] && dict="-dict=fuzz/$$f.dict"; \
	    $(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 \
	        -artifact_prefix=$(B)/fuzz/$$f- $$dict -print_final_stats=0 $(B)/fuzz/$$f.corpus 2>$(B)/fuzz/$$f.log \
	      || { tail -40 $(B)/fuzz/$$f.log; exit 1; }; \
	    grep -E 'Done [0-9]+ runs' $(B)/fuzz/$$f.log | tail -1; \
	done

# Per-target extras (the SRTP target needs libsrtp2)
FUZZ_LIBS_srtp := -DRTP_USE_SRTP -lsrtp2

$(B)/fuzz/%: fuzz/fuzz_%.c fuzz/fuzz.h $(HEADERS)
	@sh scripts/deps.sh fuzz
	@mkdir -p $(@D)
	$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. $< -o $@ $(FUZZ_LIBS_$*)

# Standalone driver: replays files through a target without libFuzzer.
$(B)/fuzz/%.replay: fuzz/fuzz_%.c fuzz/fuzz_main.c fuzz/fuzz.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(STD) -O1 -g $(WARN) -I. $< fuzz/fuzz_main.c -o $@ $(FUZZ_LIBS_$*)

# --- bench -----------------------------------------------------------------
bench:
	@sh scripts/deps.sh bench
	@sh bench/run.sh
	@sh bench/media.sh
	@sh bench/relay.sh
	@sh bench/cc.sh
	@sh bench/cores.sh
	@$(MAKE) -s $(B)/sipd
	@bash bench/sipd.sh

# --- amalgamation: every header, every implementation, one TU -------------
amalgamation:
	@sh scripts/deps.sh amalg
	@sh scripts/amalgamation.sh

install:
	install -d $(DESTDIR)$(PREFIX)/include/cvoip $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(HEADERS) $(DESTDIR)$(PREFIX)/include/cvoip/
	sed -e 's|@PREFIX@|$(PREFIX)|' scripts/cvoip.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/cvoip.pc

demo: deps-demo examples
	@sh scripts/demo.sh

clean:
	rm -rf $(B)
