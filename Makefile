# virtlab — two commands matter: `make run` and `make test`. Both install what they need first.
SWIFT ?= swift
BIN := .build/debug/virtlab
ARGS ?=

.PHONY: run test test-unit build deps deps-test services test-guest test-image cloud-image bench clean

## Build and start virtlab on the default connection (qemu:///system if it answers, else the demo hypervisor).
run: build
	@$(BIN) $(ARGS)

## Install everything, start libvirtd and Podman, build the test guests and images, and run the whole suite.
test: deps-test services test-guest test-image cloud-image
	$(SWIFT) build --build-tests
	.ci/in-test-netns $(SWIFT) test --skip-build --disable-xctest

## The suites tagged .pure only: no services are started (see README, "Tests").
test-unit: deps-test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest --filter "$$(.ci/suites-tagged pure)"

build: deps
	$(SWIFT) build

deps:
	@.ci/install-deps run

deps-test:
	@.ci/install-deps test

services:
	@.ci/start-services

cloud-image:
	@.ci/build-cloud-image

test-image:
	@.ci/build-test-image

test-guest:
	@.ci/build-test-guest

## Measure (release build, 1,000 domains) and write BENCHMARKS.md.
bench: deps
	$(SWIFT) build -c release --product virtlab
	$(SWIFT) build -c release --product virtlab-bench
	python3 .ci/bench.py

clean:
	rm -rf .build
