# syntax=docker/dockerfile:1
#
# Image of the OuViTel webhook gateway: build the fat jar with Maven, then run it
# on a plain JRE 17 as an unprivileged user. Build from the project root:
#   docker build -t ouvitel/webhook-gateway:0.1.0 .

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Dependencies first, so a source change does not download them again.
COPY pom.xml ./
RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline

COPY src ./src
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package


FROM eclipse-temurin:17-jre

# The uid and gid match runAsUser/runAsGroup in k8s/deployment.yaml.
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app \
      --no-create-home --shell /usr/sbin/nologin gateway

WORKDIR /app
COPY --from=build /build/target/webhook-gateway.jar /app/webhook-gateway.jar
COPY conf/ /app/conf/

USER 10001:10001
EXPOSE 8080 9090

# Heap and direct memory are sized from the container's memory limit, leaving room
# for metaspace, code cache and thread stacks inside a 1 GiB pod. G1 is named
# because the JVM would pick Serial GC below 1792 MB of memory. An out-of-memory
# error ends the process so that Kubernetes restarts it instead of leaving it half
# alive. Operators can add flags through JAVA_TOOL_OPTIONS.
ENTRYPOINT ["java", \
  "-XX:+UseG1GC", \
  "-XX:MaxRAMPercentage=60", \
  "-XX:MaxDirectMemorySize=128m", \
  "-XX:+ExitOnOutOfMemoryError", \
  "-jar", "/app/webhook-gateway.jar"]
