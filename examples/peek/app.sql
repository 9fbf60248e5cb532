-- A bare SELECT prints its rows to the terminal: the first ten days with more than 40 mm of rain.
SELECT location, "date", precipitation, weather
FROM 'file:./examples/data/weather.csv'
WHERE precipitation > 40
LIMIT 10;
