"""Maps: interactive (folium), print (matplotlib) and the published static site. Only this package imports folium and matplotlib."""
