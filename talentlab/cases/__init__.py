"""The paper's two studies, each one call from data to verdict tables: the Zhuhai case evaluation and the six-case comparison."""
