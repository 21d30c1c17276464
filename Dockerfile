FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY dozor ./dozor
COPY ingest ./ingest
COPY enrich ./enrich
COPY search ./search
COPY alerts ./alerts
COPY surfaces ./surfaces
COPY cli ./cli
COPY media ./media
COPY evidence ./evidence
RUN pip install --no-cache-dir -c constraints.txt . \
 && useradd --system --create-home dozor
USER dozor
ENTRYPOINT ["dozor"]
