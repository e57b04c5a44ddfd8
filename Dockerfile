# Shotline's app image: the built frontend and the Go server, on Debian with
# ffmpeg (the animatic renderer and exports need it). docker-compose.yml
# builds it; the configuration is SHOTLINE_* environment variables.

FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
# The e2e tests' browser is not needed to build.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM golang:1.26-bookworm AS backend
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY backend/ backend/
COPY policies/ policies/
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -o /out/shotline ./backend/cmd/shotline

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg ca-certificates curl fonts-dejavu-core fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app shotline
WORKDIR /app
COPY --from=backend /out/shotline /app/shotline
COPY --from=frontend /src/frontend/dist /app/frontend/dist
USER shotline
ENV SHOTLINE_ADDR=:8080 \
    SHOTLINE_STATIC_DIR=/app/frontend/dist
EXPOSE 8080
ENTRYPOINT ["/app/shotline"]
