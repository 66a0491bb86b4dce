# virtlab — two commands matter: `make run` and `make test`. Both install what they need first.
SWIFT ?= swift
BIN := .build/debug/virtlab
ARGS ?=

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: run test test-unit build deps deps-test deps-dist services test-guest test-image os-rootfs cloud-image package-root dist install bench clean

## Build and start virtlab on the default connection (qemu:///system if it answers, else the demo hypervisor).
run: build
	@$(BIN) $(ARGS)

## Install everything, start libvirtd and Podman, build the test guests and images, and run the whole suite.
test: deps-test services test-guest test-image os-rootfs cloud-image package-root dist
	$(SWIFT) build --build-tests
	SWIFT=$(SWIFT) .ci/in-test-netns .ci/test-suites

## The suites tagged .pure only: no services are started (see README, "Tests").
test-unit: deps-test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest --filter "$$(.ci/suites-tagged pure)"

build: deps
	$(SWIFT) build --product virtlab

deps:
	@.ci/install-deps run

deps-test:
	@.ci/install-deps test

deps-dist:
	@.ci/install-deps dist

## dist/virtlab_VERSION_amd64.deb and dist/virtlab-VERSION-linux-x86_64.tar.gz: a release build with the Swift
## standard library linked in, the man page, completions, labs and themes (see README, "Install").
dist: deps-dist
	@SWIFT=$(SWIFT) .ci/package dist

## The same tree from this checkout into $(DESTDIR)$(PREFIX): bin/virtlab, share/man, completions, share/virtlab.
install: deps-dist
	@SWIFT=$(SWIFT) .ci/package install $(PREFIX) $(DESTDIR)

services:
	@.ci/start-services

cloud-image:
	@.ci/build-cloud-image

package-root:
	@.ci/build-package-root

test-image:
	@.ci/build-test-image

os-rootfs:
	@.ci/build-os-rootfs

test-guest:
	@.ci/build-test-guest

## Measure (release build, 1,000 domains) and write BENCHMARKS.md.
bench: deps
	$(SWIFT) build -c release --product virtlab
	$(SWIFT) build -c release --product virtlab-bench
	python3 .ci/bench.py

clean:
	rm -rf .build dist
