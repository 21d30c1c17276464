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
# OCR: Debian's Tesseract and language packs; tesserocr is compiled against that libtesseract, then the
# compiler goes again.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus \
    tesseract-ocr-ukr tesseract-ocr-uzb tesseract-ocr-uzb-cyrl tesseract-ocr-kaz tesseract-ocr-kir tesseract-ocr-tgk \
    libtesseract-dev libleptonica-dev pkg-config g++ \
 && pip install --no-cache-dir --no-binary tesserocr -c constraints.txt . \
 && apt-get purge -y -qq g++ pkg-config libtesseract-dev libleptonica-dev && apt-get autoremove -y -qq \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home dozor
USER dozor
ENTRYPOINT ["dozor"]
