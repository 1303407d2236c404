from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI(title="scoring")
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"])


@app.post("/score")
def score(features: dict[str, float]) -> dict[str, float]:
    print("scoring", features)
    total = sum(features.values())
    return {"score": total / max(len(features), 1)}
