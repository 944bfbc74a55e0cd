# The `replay` image of docker-compose.yml: s4chain with its Node toolchain (solc-js, OpenZeppelin) and Python.
# Node 20 comes from the official image (no NodeSource script); Python 3.11 is Debian bookworm's python3.
FROM node:20-bookworm-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv

WORKDIR /app

# Node toolchain first: it changes least often, so this layer stays cached.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Python package, with the pinned versions of constraints.txt.
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install -c constraints.txt .

# The contracts (compiled now, so that the container starts from a warm cache) and the scenarios.
COPY s4chain.toml ./
COPY contracts ./contracts
COPY scenarios ./scenarios
RUN s4chain compile \
    && mkdir -p /out \
    && chown -R node:node /app /out

USER node
VOLUME ["/out"]
CMD ["s4chain", "--help"]
