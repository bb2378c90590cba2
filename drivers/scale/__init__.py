"""Weighing scales: the Mettler Toledo 8217 serial protocol (checkout and bagging-area scales) and its simulator."""
