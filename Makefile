# disco - algorithm discovery engine.  `make help` lists the targets.
#
# Every .c file under engine/ evaluators/ sandbox/ archive/, at any depth,
# is part of the engine; engine/cli/main.c holds main().  A module is added
# by dropping its file in its folder (or a subfolder): no list to edit here.
# Header dependencies are tracked by the compiler (-MMD -MP).

PREFIX    ?= /usr/local
CC        ?= cc
VERSION   := 0.1.0
PKGS      := libcurl libcjson sqlite3 libseccomp libxxhash
DEPS_DEB  := tcc libtcc-dev libc6-dev pkg-config libcjson-dev libcurl4-openssl-dev \
             libsqlite3-dev libseccomp-dev libxxhash-dev libcmocka-dev sqlite3 \
             python3 jq
CFLAGS    ?= -O2 -g
WARN      := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter
INC       := -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl is loaded with dlopen by engine/llm/http.c when a campaign uses an
# LLM (headers only here): campaigns without one never map it.
LINKPKGS  := $(filter-out libcurl,$(PKGS))
LIBS      := -ltcc -ldl $(shell pkg-config --libs $(LINKPKGS) 2>/dev/null) -lm
ALL_CFLAGS = $(WARN) $(INC) -DDISCO_VERSION='"$(VERSION)"' $(CFLAGS)

MODULES   := engine evaluators sandbox archive
SRC       := $(sort $(shell find $(MODULES) -name '*.c' 2>/dev/null))
LIBSRC    := $(filter-out engine/cli/main.c,$(SRC))
TOOLSRC   := $(sort $(wildcard tests/tools/*.c))
SANITIZE  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TESTSRC   := $(sort $(wildcard tests/unit/test_*.c))
BENCHSRC  := $(sort $(wildcard bench/*.c))

B         ?= build
LIBOBJ     = $(LIBSRC:%.c=$(B)/%.o)
TESTBIN    = $(TESTSRC:tests/unit/%.c=$(B)/tests/%)
BENCHBIN   = $(BENCHSRC:bench/%.c=$(B)/bench/%)
TOOLBIN    = $(TOOLSRC:tests/%.c=$(B)/%)

.PHONY: all deps demo test unit tools e2e asan bench install clean help
all: disco

help:
	@echo "make deps     install missing Debian packages (apt-get)"
	@echo "make          build ./disco"
	@echo "make demo     deps + build + run the main job on the embedded default"
	@echo "make test     deps + build + every test (unit, end-to-end, unit under ASan/UBSan)"
	@echo "make e2e      build + the end-to-end scripts only (tests/e2e)"
	@echo "make asan     build with AddressSanitizer + UBSan into build-asan/"
	@echo "make bench    run the benchmarks and record them in docs/BENCHMARKS.md"
	@echo "make install  PREFIX=$(PREFIX)"

# Installs only what is missing; silent when everything is there.
deps:
	@missing=""; for p in $(DEPS_DEB); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

disco: $(B)/engine/cli/main.o $(B)/libdisco.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/libdisco.a: $(LIBOBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIBOBJ:.o=.d) $(B)/engine/cli/main.d

$(B)/tests/%: tests/unit/%.c $(B)/libdisco.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libdisco.a $(LIBS) -lcmocka

$(B)/tools/%: tests/tools/%.c $(B)/libdisco.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libdisco.a $(LIBS)

$(B)/bench/%: bench/%.c $(B)/libdisco.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libdisco.a $(LIBS)

# The main job on the embedded default: a short campaign discovering an
# optimizer update rule (no network, no key), then the baseline table it
# is compared with.
demo: deps
	$(MAKE) disco
	rm -f demo.db demo.db-wal demo.db-shm discover-exp.db discover-exp.db-wal discover-exp.db-shm
	./disco run examples/discover-exp.json --no-source
	./disco archive front --db discover-exp.db
	./disco run --evaluator optim --budget-evals 800 --db demo.db
	./disco baseline optim

unit: $(TESTBIN)
tools: $(TOOLBIN)

test: deps
	$(MAKE) disco unit tools
	$(MAKE) B=build-asan CFLAGS="$(SANITIZE)" unit
	tests/run.sh

e2e: deps
	$(MAKE) disco tools
	tests/run.sh e2e/

asan:
	$(MAKE) B=build-asan CFLAGS="$(SANITIZE)" build-asan/disco unit

build-asan/disco: $(B)/engine/cli/main.o $(B)/libdisco.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

bench: deps disco $(BENCHBIN)
	bench/run.sh

install: disco
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/disco/prompts $(DESTDIR)$(PREFIX)/share/doc/disco
	install -m 755 disco $(DESTDIR)$(PREFIX)/bin/disco
	-install -m 644 prompts/* $(DESTDIR)$(PREFIX)/share/disco/prompts/ 2>/dev/null
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/disco/
	-install -m 644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/disco/ 2>/dev/null

clean:
	rm -rf build build-asan disco
