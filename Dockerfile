# caflow in a container: `docker run --rm -v "$PWD:/work" caflow check --baseline a --proposed b`.
# Two stages: the wheel is built with the source tree, the runtime image holds only the installed
# package (the examples ship inside it: `docker run --rm caflow demo` works with no mount).
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin caflow
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["caflow"]
CMD ["--help"]
