# caflow in a container: `docker run --rm -v "$PWD:/work" caflow check --baseline a --proposed b`.
# Two stages: the wheel is built with the source tree, the runtime image holds only the installed
# package (the examples ship inside it: `docker run --rm caflow demo` works with no mount).
# Python 3.11: the version CI tests (pyproject requires-python >=3.11, mypy python_version).
# Built and run for real by scripts/container-smoke.sh (docs/container.md has the figures).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
# /work belongs to the caflow user: commands that write into the working folder (replay's
# default store .caflow/caflow.duckdb, caflow examples, -o files) work without a mount. With a
# bind mount the host folder's owner counts: run with --user "$(id -u):$(id -g)" to write there.
RUN python -m pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin caflow \
    && mkdir -p /work && chown 10001:10001 /work
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["caflow"]
CMD ["--help"]
