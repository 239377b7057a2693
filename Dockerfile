# resetgap container image: a static binary (glibc, +crt-static; rustls, no OpenSSL) on an empty
# base. Build: docker build -t resetgap .
# Run:   docker run --rm -v "$PWD/evidence:/evidence:ro" resetgap scan /evidence
# Live LDAP over TLS trusts Debian's public CA bundle (copied in below); a directory signed by an
# internal CA needs --ca-file (mount the PEM). Host names resolve through the /etc/hosts and
# /etc/resolv.conf that Docker provides (glibc 2.36 has files and DNS lookup built in).

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --locked --target x86_64-unknown-linux-gnu \
 && cp target/x86_64-unknown-linux-gnu/release/resetgap /resetgap \
 && strip /resetgap \
 && /resetgap --version \
 && ! ldd /resetgap 2>/dev/null | grep -q '=>'

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /resetgap /resetgap
USER 65534:65534
WORKDIR /work
ENTRYPOINT ["/resetgap"]
CMD ["--help"]
