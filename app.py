"""`streamlit run app.py`: the planner's web app. Thin on purpose: everything lives in planner.ui."""

from planner.ui.main import main

main()
