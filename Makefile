# OuViTel webhook gateway. `make run` starts it on an embedded PostgreSQL; `make test` runs
# the whole suite (installing the tools the tests need first).
MVN ?= mvn -B -q
JAR := target/webhook-gateway.jar

.PHONY: build run test test-tools demo bench bench-smoke clean

build: $(JAR)

$(JAR): pom.xml $(shell find src/main conf -type f 2>/dev/null)
	$(MVN) package -DskipTests

run: build
	java -jar $(JAR)

test-tools:
	./ops/install-test-tools.sh

# The suite, then a smoke run of the benchmark (every scenario for a second or so, results
# checked for completeness and sanity, never for speed).
test: test-tools
	mvn -B test
	$(MAKE) bench-smoke

demo: build
	./demo/run-demo.sh

bench: build
	./bench/run-bench.sh

bench-smoke: build
	./bench/run-bench.sh --smoke

clean:
	rm -rf target
